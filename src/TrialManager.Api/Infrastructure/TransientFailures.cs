using Npgsql;

namespace TrialManager.Api.Infrastructure;

/// <summary>PostgreSQL's answers that mean "run the transaction again": a deadlock or a serialisation conflict.</summary>
public static class TransientFailures
{
    public static bool IsTransient(Exception e)
    {
        for (Exception? cause = e; cause is not null; cause = cause.InnerException)
            if (cause is PostgresException { SqlState: PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure })
                return true;
        return false;
    }
}
