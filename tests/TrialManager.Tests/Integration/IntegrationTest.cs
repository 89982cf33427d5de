namespace TrialManager.Tests.Integration;

/// <summary>Base of the integration tests: an empty database and a client before each test.</summary>
public abstract class IntegrationTest
{
    protected ApiClient Api { get; private set; } = null!;
    protected static string Admin => TestHost.AdminToken;
    protected static TestDatabase Db => TestHost.Database;

    [SetUp]
    public async Task ResetDatabaseAsync()
    {
        await TestHost.ResetAsync();
        Api = TestHost.Factory.Client();
    }

    /// <summary>A trial with one user per role, two sites with a researcher, a cluster and a participant each.</summary>
    protected Task<TrialWorld> NewTrialAsync(string code = "REFOCUS") => TrialWorld.CreateAsync(Api, code);
}
