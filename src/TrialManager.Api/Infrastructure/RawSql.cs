using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using TrialManager.Data;

namespace TrialManager.Api.Infrastructure;

/// <summary>
/// A command on the DbContext's own connection and transaction, for the few statements EF Core cannot express:
/// row locks (FOR KEY SHARE, FOR UPDATE SKIP LOCKED) and streaming reads of the audit trail.
/// </summary>
public static class RawSql
{
    public static async Task<DbCommand> CommandAsync(this TrialManagerDbContext db, string sql, CancellationToken ct,
        params (string Name, object Value)[] parameters)
    {
        // Stays open for the rest of the scope: later queries of the request need no other connection.
        await db.Database.OpenConnectionAsync(ct);
        var command = db.Database.GetDbConnection().CreateCommand();
        command.Transaction = db.Database.CurrentTransaction?.GetDbTransaction();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value;
            command.Parameters.Add(parameter);
        }
        return command;
    }
}
