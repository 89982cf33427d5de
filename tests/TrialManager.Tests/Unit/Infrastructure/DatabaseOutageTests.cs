using System.Net.Sockets;
using Npgsql;
using TrialManager.Api.Infrastructure.Errors;

namespace TrialManager.Tests.Unit.Infrastructure;

/// <summary>A database that is down, restarting or full of connections is an outage (503), not a bug (500).</summary>
public sealed class DatabaseOutageTests
{
    private static PostgresException Postgres(string sqlState) => new("message", "FATAL", "FATAL", sqlState);

    [TestCase(PostgresErrorCodes.AdminShutdown)]
    [TestCase(PostgresErrorCodes.CrashShutdown)]
    [TestCase(PostgresErrorCodes.CannotConnectNow)]
    [TestCase(PostgresErrorCodes.TooManyConnections)]
    [TestCase(PostgresErrorCodes.ConnectionFailure)]
    public void A_server_that_is_going_away_is_an_outage(string sqlState) =>
        Assert.That(ProblemExceptionHandler.DatabaseUnavailable(new InvalidOperationException("wrapped", Postgres(sqlState))), Is.True);

    [Test]
    public void A_connection_that_cannot_be_made_or_breaks_is_an_outage()
    {
        Assert.That(ProblemExceptionHandler.DatabaseUnavailable(new NpgsqlException("refused", new SocketException((int)SocketError.ConnectionRefused))), Is.True);
        Assert.That(ProblemExceptionHandler.DatabaseUnavailable(new NpgsqlException("broken", new EndOfStreamException())), Is.True);
    }

    [TestCase(PostgresErrorCodes.UniqueViolation)]
    [TestCase(PostgresErrorCodes.SyntaxError)]
    [TestCase(PostgresErrorCodes.DeadlockDetected)]
    public void A_refusal_or_a_bug_is_not(string sqlState) =>
        Assert.That(ProblemExceptionHandler.DatabaseUnavailable(Postgres(sqlState)), Is.False);
}
