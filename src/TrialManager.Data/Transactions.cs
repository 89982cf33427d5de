using System.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;

namespace TrialManager.Data;

/// <summary>
/// The one way to run work in a database transaction: begun, the work run, committed, and the whole run again from
/// the start when PostgreSQL aborts it for a deadlock or a serialisation conflict, so that concurrent writers see a
/// conflict only when there is a real one. Built on EF Core's execution strategy, which refuses a transaction begun
/// any other way; nothing that could have followed a commit is retried (a lost connection is the caller's outage).
/// </summary>
public static class Transactions
{
    public static async Task<T> InTransactionAsync<T>(this TrialManagerDbContext db, Func<CancellationToken, Task<T>> work, CancellationToken ct,
        IsolationLevel isolation = IsolationLevel.ReadCommitted)
    {
        var attempt = 0;
        return await db.Database.CreateExecutionStrategy().ExecuteAsync(async token =>
        {
            if (attempt++ > 0)
                db.ChangeTracker.Clear();
            await using var transaction = await db.Database.BeginTransactionAsync(isolation, token);
            var result = await work(token);
            await transaction.CommitAsync(token);
            return result;
        }, ct);
    }

    public static Task InTransactionAsync(this TrialManagerDbContext db, Func<CancellationToken, Task> work, CancellationToken ct,
        IsolationLevel isolation = IsolationLevel.ReadCommitted) =>
        db.InTransactionAsync(async token =>
        {
            await work(token);
            return true;
        }, ct, isolation);

    /// <summary>PostgreSQL's answers that mean "run the transaction again": a deadlock or a serialisation conflict.</summary>
    public static bool IsConflict(Exception e)
    {
        for (Exception? cause = e; cause is not null; cause = cause.InnerException)
            if (cause is PostgresException { SqlState: PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure })
                return true;
        return false;
    }
}

/// <summary>Retries a transaction that PostgreSQL aborted for a conflict, a few times with a short random delay.</summary>
public sealed class ConflictRetryStrategy(ExecutionStrategyDependencies dependencies)
    : ExecutionStrategy(dependencies, maxRetryCount: 3, maxRetryDelay: TimeSpan.FromMilliseconds(100))
{
    protected override bool ShouldRetryOn(Exception exception) => Transactions.IsConflict(exception);
}
