using TrialManager.Api.Infrastructure;
using TrialManager.Api.Infrastructure.Errors;
using TrialManager.Data.Conventions;
using TrialManager.Data.Participants;
using TrialManager.Data.Trials;

namespace TrialManager.Tests.Unit.Infrastructure;

public sealed class InfrastructureTests
{
    [Test]
    public void A_cursor_round_trips_its_id()
    {
        var id = Guid.CreateVersion7();
        Assert.That(new PageRequest(null, PageRequest.CursorFor(id)).After(), Is.EqualTo(id));
        Assert.That(new PageRequest(null, null).After(), Is.Null);
    }

    [TestCase("not a cursor")]
    [TestCase("AAAA")]
    public void A_foreign_cursor_is_refused(string cursor) =>
        Assert.Throws<ProblemException>(() => new PageRequest(null, cursor).After());

    [Test]
    public void Enumerations_are_stored_and_sent_as_kebab_case_words()
    {
        Assert.That(KebabCaseEnumConverter<TrialStatus>.ToWord(TrialStatus.FollowUp), Is.EqualTo("follow-up"));
        Assert.That(KebabCaseEnumConverter<ParticipantStatus>.FromWord("withdrawn-follow-up"), Is.EqualTo(ParticipantStatus.WithdrawnFollowUp));
        Assert.That(QueryWords.Parse<ParticipantStatus>("withdrawn-data", "status"), Is.EqualTo(ParticipantStatus.WithdrawnData));
        Assert.That(QueryWords.Parse<ParticipantStatus>(null, "status"), Is.Null);
        Assert.Throws<ProblemException>(() => QueryWords.Parse<ParticipantStatus>("WithdrawnData", "status"));
    }

    [TestCase("$.arms[0].Ratio", "arms[0].ratio")]
    [TestCase("$.code", "code")]
    [TestCase("$", "")]
    [TestCase(null, "")]
    public void Json_paths_become_field_names(string? path, string field) => Assert.That(JsonPaths.ToField(path), Is.EqualTo(field));

    [Test]
    public void The_clock_keeps_microseconds_as_postgresql_does()
    {
        var clock = new DatabaseClock(new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero).AddTicks(1234567)));
        Assert.That(clock.GetUtcNow().Ticks % 10, Is.Zero);
        Assert.That(clock.GetUtcNow(), Is.EqualTo(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero).AddTicks(1234560)));
    }
}

public sealed class DataSourceTests
{
    [TestCase("Host=127.0.0.1;Username=u", Npgsql.SslMode.Disable)]
    [TestCase("Host=localhost;Username=u;sslmode=require", Npgsql.SslMode.Require)]
    [TestCase("Host=db.example.org;Username=u", Npgsql.SslMode.Prefer)]
    public void Tls_is_skipped_only_on_loopback_and_only_when_the_connection_string_is_silent(string connectionString, Npgsql.SslMode expected)
    {
        using var source = TrialManager.Data.TrialManagerDatabase.CreateDataSource(connectionString);
        var settings = new Npgsql.NpgsqlConnectionStringBuilder(source.ConnectionString);
        Assert.That(settings.SslMode, Is.EqualTo(expected));
        Assert.That(settings.MaxAutoPrepare, Is.GreaterThan(0));
    }

    [TestCase("Host=127.0.0.1;Username=u")]
    [TestCase("Host=127.0.0.1;Username=u;Max Auto Prepare=20;No Reset On Close=false")]
    public void Behind_a_transaction_pooler_nothing_is_prepared_and_no_connection_is_reset(string connectionString)
    {
        using var source = TrialManager.Data.TrialManagerDatabase.CreateDataSource(connectionString, TrialManager.Data.DatabasePooler.Transaction);
        var settings = new Npgsql.NpgsqlConnectionStringBuilder(source.ConnectionString);
        var jobs = TrialManager.Data.TrialManagerDatabase.ConnectionSettings(connectionString, TrialManager.Data.DatabasePooler.Transaction);
        Assert.Multiple(() =>
        {
            Assert.That(settings.MaxAutoPrepare, Is.Zero);
            Assert.That(settings.NoResetOnClose, Is.True);
            Assert.That(jobs.MaxAutoPrepare, Is.Zero, "Hangfire's own pool");
            Assert.That(jobs.NoResetOnClose, Is.True, "Hangfire's own pool");
        });
    }

    [TestCase(null, TrialManager.Data.DatabasePooler.None)]
    [TestCase("none", TrialManager.Data.DatabasePooler.None)]
    [TestCase(" Transaction ", TrialManager.Data.DatabasePooler.Transaction)]
    public void The_pooler_setting_names_none_or_transaction(string? value, TrialManager.Data.DatabasePooler expected) =>
        Assert.That(TrialManager.Data.DatabasePoolers.Parse(value), Is.EqualTo(expected));

    [TestCase("session")]
    [TestCase("statement")]
    public void Another_pooler_mode_stops_the_start_naming_the_setting(string value) =>
        Assert.That(() => TrialManager.Data.DatabasePoolers.Parse(value),
            Throws.InvalidOperationException.With.Message.Contains("Database:Pooler").And.Message.Contains(value));
}
