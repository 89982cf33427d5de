namespace TrialManager.Tests.Integration.Http;

public sealed class StartupTests
{
    [Test]
    public async Task Without_migrations_at_start_up_an_empty_database_is_live_but_not_ready()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using var factory = new ApiFactory(database,
            new Dictionary<string, string?> { ["Database:MigrateOnStartup"] = "false" });
        factory.StartServer();
        var api = factory.Client();
        var live = await api.Get("/health/live");
        var ready = await api.Get("/health/ready");
        Assert.Multiple(() =>
        {
            Assert.That(live.Code, Is.EqualTo(200));
            Assert.That(ready.Code, Is.EqualTo(503));
            Assert.That(ready["checks"]["database"]!["description"]!.GetValue<string>(), Does.Contain("not applied"));
        });
        Assert.That(await database.ScalarAsync<long>("SELECT count(*) FROM pg_tables WHERE tablename = 'trials'"), Is.Zero);
    }
}
