using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace TrialManager.Benchmarks.Infrastructure;

/// <summary>
/// The real API in this process on real Kestrel (a socket, not the in-memory TestServer), so that the load goes
/// through HTTP parsing, authentication, rate limiting and JSON as in production. Settings are production ones,
/// except that the per-token rate limits are raised out of the way and logging is reduced to warnings, so that
/// neither dominates what is measured.
/// </summary>
public sealed class ApiHost : WebApplicationFactory<Program>
{
    private readonly string _connectionString;
    private readonly IReadOnlyDictionary<string, string?> _settings;

    private ApiHost(string connectionString, IReadOnlyDictionary<string, string?>? settings)
    {
        _connectionString = connectionString;
        _settings = settings ?? new Dictionary<string, string?>();
    }

    /// <summary>
    /// The token of the system admin the API bootstraps at start. Random per run, and the same for every host of the
    /// run: only the first host bootstraps the admin, and the hosts that figures start later (or side by side) in the
    /// same database must be able to log in as that admin too. A database that already has an admin
    /// (ConnectionStrings__TrialManager) needs that admin's token in Bootstrap__AdminToken instead.
    /// </summary>
    public string AdminToken => RunAdminToken;

    private static readonly string RunAdminToken = Environment.GetEnvironmentVariable("Bootstrap__AdminToken") is { Length: > 0 } token
        ? token
        : Convert.ToBase64String(RandomNumberGenerator.GetBytes(36)).Replace('+', '-').Replace('/', '_'); // 48 characters

    public Uri BaseAddress { get; private set; } = new("http://localhost/");

    /// <summary>Starts the API (which applies migrations and bootstraps the admin); extra settings override the defaults.</summary>
    public static ApiHost Start(string connectionString, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var host = new ApiHost(connectionString, settings);
        host.UseKestrel(0); // any free port; must be chosen before the server starts
        host.StartServer();
        var addresses = host.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses;
        host.BaseAddress = new Uri(addresses?.FirstOrDefault() ?? throw new InvalidOperationException("Kestrel has no address."));
        return host;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseContentRoot(ApiContentRoot());
        builder.UseEnvironment("Production");
        builder.UseSetting("ConnectionStrings:TrialManager", _connectionString);
        builder.UseSetting("Bootstrap:AdminToken", AdminToken);
        builder.UseSetting("RateLimits:TokenBurst", "1000000");
        builder.UseSetting("RateLimits:TokenPerSecond", "1000000");
        builder.UseSetting("Logging:LogLevel:Default", "Warning");
        builder.UseSetting("Logging:LogLevel:Microsoft.AspNetCore", "Warning");
        builder.UseSetting("Logging:LogLevel:Microsoft.EntityFrameworkCore", "Warning");
        // EF logs its probe of the not yet existing migrations table in a fresh database as a failed command; that
        // is expected at start. A command failing under load still shows, as a non-2xx answer the figure reports.
        builder.UseSetting("Logging:LogLevel:Microsoft.EntityFrameworkCore.Database.Command", "None");
        // stdout is for the BENCH lines only.
        builder.UseSetting("Logging:Console:LogToStandardErrorThreshold", "Trace");
        foreach (var (key, value) in _settings)
            builder.UseSetting(key, value);
    }

    /// <summary>
    /// The API project's folder (for its appsettings.json). WebApplicationFactory looks for the manifest that says
    /// where it is in the current directory, which under `dotnet run` is wherever the command was typed; the build
    /// puts the manifest next to this program.
    /// </summary>
    private static string ApiContentRoot()
    {
        var manifest = Path.Combine(AppContext.BaseDirectory, "MvcTestingAppManifest.json");
        var roots = JsonSerializer.Deserialize<Dictionary<string, string>>(File.ReadAllText(manifest));
        return roots?.GetValueOrDefault(typeof(Program).Assembly.FullName ?? "")
            ?? throw new InvalidOperationException($"{manifest} does not name the API's folder.");
    }

    /// <summary>
    /// A client over real sockets with enough connections for every concurrent worker, so that the client's pool
    /// never queues requests. One client per caller identity: the token is a default header.
    /// </summary>
    public HttpClient CreateHttpClient(string token, int connections = 8)
    {
        var handler = new SocketsHttpHandler { MaxConnectionsPerServer = Math.Max(8, connections), UseCookies = false };
        var client = new HttpClient(handler) { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }
}
