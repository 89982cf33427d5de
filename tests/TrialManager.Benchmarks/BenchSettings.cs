namespace TrialManager.Benchmarks;

/// <summary>
/// Durations of a measured run, from the environment so that a quick check (BENCH_SECONDS=2) and a careful run
/// use the same program. Whole seconds, because pgbench -T takes whole seconds and the reference runs as long.
/// </summary>
public sealed record BenchSettings(int WarmUpSeconds, int MeasuredSeconds)
{
    public TimeSpan WarmUp => TimeSpan.FromSeconds(WarmUpSeconds);
    public TimeSpan Measured => TimeSpan.FromSeconds(MeasuredSeconds);

    public static BenchSettings FromEnvironment() =>
        new(Seconds("BENCH_WARMUP_SECONDS", 10, minimum: 0), Seconds("BENCH_SECONDS", 10, minimum: 1));

    private static int Seconds(string variable, int fallback, int minimum)
    {
        var text = Environment.GetEnvironmentVariable(variable);
        if (string.IsNullOrWhiteSpace(text))
            return fallback;
        return int.TryParse(text, out var seconds) && seconds >= minimum
            ? seconds
            : throw new FormatException($"{variable} must be a whole number of seconds >= {minimum}, not '{text}'.");
    }
}
