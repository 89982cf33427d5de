namespace TrialManager.Api.Infrastructure;

/// <summary>
/// PostgreSQL keeps timestamps to the microsecond; .NET clocks tick in 100 ns. Truncating at the source means a
/// value answered at creation equals the value read back later (and hashed into the audit trail).
/// </summary>
public sealed class DatabaseClock(TimeProvider inner) : TimeProvider
{
    public override DateTimeOffset GetUtcNow()
    {
        var now = inner.GetUtcNow();
        return now.AddTicks(-(now.Ticks % (TimeSpan.TicksPerMillisecond / 1000)));
    }

    public override TimeZoneInfo LocalTimeZone => inner.LocalTimeZone;
    public override long TimestampFrequency => inner.TimestampFrequency;
    public override long GetTimestamp() => inner.GetTimestamp();
}
