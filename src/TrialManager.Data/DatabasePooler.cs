namespace TrialManager.Data;

/// <summary>
/// What sits between the service and PostgreSQL, from `Database:Pooler`: `none` (the default: each pooled connection is
/// a server session of its own) or `transaction` (PgBouncer in transaction mode, as CloudNativePG's `Pooler` runs it:
/// consecutive transactions of one connection may run on different server sessions, so nothing may rely on session
/// state: no LISTEN, no session advisory lock, no server-side prepared statement).
/// </summary>
public enum DatabasePooler
{
    None,
    Transaction,
}

public static class DatabasePoolers
{
    public const string Setting = "Database:Pooler";

    public static DatabasePooler Parse(string? value) =>
        (value ?? "none").Trim().ToLowerInvariant() switch
        {
            "none" or "" => DatabasePooler.None,
            "transaction" => DatabasePooler.Transaction,
            var other => throw new InvalidOperationException($"{Setting} is '{other}'; it must be none or transaction."),
        };
}
