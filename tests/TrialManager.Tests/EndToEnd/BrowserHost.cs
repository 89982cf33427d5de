using System.Diagnostics;
using Microsoft.Playwright;
using Respawn;
using TrialManager.Tests.Integration;

namespace TrialManager.Tests.EndToEnd;

/// <summary>
/// One API host and one headless Chromium for the end-to-end tests of the web client. The host is the integration
/// tests' (real Kestrel on a free port, the API project's wwwroot as its web root, so /app serves the client that
/// `npm run build` wrote there) on a database of its own. The browser is Debian's chromium driven by the driver that
/// the Playwright package ships: Playwright's own browser builds are never downloaded.
/// </summary>
[SetUpFixture]
public sealed class BrowserHost
{
    public const string Chromium = "/usr/bin/chromium";

    private static TestDatabase? _database;
    private static ApiFactory? _factory;
    private static Respawner? _respawner;
    private static IPlaywright? _playwright;
    private static IBrowser? _browser;

    public static ApiFactory Factory => _factory ?? throw new InvalidOperationException("The end-to-end host has not started.");
    public static IBrowser Browser => _browser ?? throw new InvalidOperationException("The browser has not started.");
    public static Uri BaseAddress { get; private set; } = null!;

    /// <summary>The checkout's root: the axe-core package and the results folder are found from it.</summary>
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    /// <summary>Screenshots and accessibility reports: under .test-results, the folder CI keeps.</summary>
    public static string ResultsFolder => Path.Combine(RepositoryRoot, ".test-results", "screenshots");

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        Assert.That(File.Exists(Chromium), Is.True,
            $"The end-to-end tests drive Debian's chromium at {Chromium}: run deploy/local/test.sh as root, or sudo apt-get install -y chromium");
        _database = await TestDatabase.CreateAsync();
        _factory = new ApiFactory(_database);
        _factory.StartServer();
        _respawner = await TestHost.RespawnerAsync(_database);
        using (var client = _factory.CreateClient())
            BaseAddress = client.BaseAddress!;

        // Only `playwright install` downloads browsers and nothing here calls it; the variable keeps any other path of
        // the driver from trying (there is no network but the package registries).
        Environment.SetEnvironmentVariable("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
        var launch = Stopwatch.StartNew();
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            // Root in a container has no user namespaces for the sandbox, and there is no GPU; the rest keeps the
            // browser from calling Google's services on its own.
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--disable-quic"],
        });
        // A 2-core machine that builds and tests at once is slow; Playwright's 5 s for an expectation is too short there.
        Assertions.SetDefaultExpectTimeout(15_000);
        TestContext.Progress.WriteLine($"Chromium {_browser.Version} started in {launch.ElapsedMilliseconds} ms; the API listens at {BaseAddress}");
        Directory.CreateDirectory(ResultsFolder);
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        if (_browser is not null)
            await _browser.DisposeAsync();
        _playwright?.Dispose();
        if (_factory is not null)
            await _factory.DisposeAsync();
        if (_database is not null)
            await _database.DisposeAsync();
    }

    /// <summary>An empty database with the system admin, as for the integration tests.</summary>
    public static Task ResetAsync() => TestHost.ResetAsync(_database!, _respawner!, Factory);

    private static string FindRepositoryRoot()
    {
        var folder = new DirectoryInfo(AppContext.BaseDirectory);
        while (folder is not null && !File.Exists(Path.Combine(folder.FullName, "TrialManager.sln")))
            folder = folder.Parent;
        return folder?.FullName ?? throw new InvalidOperationException("No TrialManager.sln above the test folder.");
    }
}
