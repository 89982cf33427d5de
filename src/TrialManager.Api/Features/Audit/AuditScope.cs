namespace TrialManager.Api.Features.Audit;

/// <summary>
/// Who is writing, in what role, for which request and why: set around every unit of work (and around start-up
/// and background writes), read by <see cref="AuditInterceptor"/> when the changes are saved. Ambient (AsyncLocal),
/// so it cannot leak from one request to the next the way state on a pooled DbContext could.
/// </summary>
public sealed class AuditScope(Guid? userId, Func<string?> role, string? requestId, string? reason)
{
    private static readonly AsyncLocal<AuditScope?> Ambient = new();

    public static AuditScope? Current => Ambient.Value;

    public Guid? UserId { get; } = userId;
    public string? Role => role();
    public string? RequestId { get; } = requestId;
    public string? Reason { get; } = reason;

    /// <summary>
    /// The strand of each chain that this scope's transaction has locked, with its head as this transaction left it.
    /// The access check of a trial write locks one in its own round trip, so that saving needs no extra one; every
    /// later append in the transaction continues the same strand. Cleared when a transaction is retried.
    /// </summary>
    public Dictionary<Guid, StrandPosition> HeldStrands { get; } = [];

    /// <summary>Writes done by the system itself (start-up, scheduled jobs), not by a user.</summary>
    public static IDisposable System(string? reason = null) => Begin(new AuditScope(null, () => "system", null, reason));

    public static IDisposable Begin(AuditScope scope)
    {
        var outer = Ambient.Value;
        Ambient.Value = scope;
        return new Restore(outer);
    }

    private sealed class Restore(AuditScope? outer) : IDisposable
    {
        public void Dispose() => Ambient.Value = outer;
    }
}
