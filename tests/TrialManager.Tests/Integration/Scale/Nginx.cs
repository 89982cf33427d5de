namespace TrialManager.Tests.Integration.Scale;

/// <summary>
/// nginx (Debian's package) as the load balancer in front of the API processes: round robin over them, passing a
/// request that cannot connect to one on to the next, as an Ingress does. Its own configuration and prefix in a
/// temporary folder, on a free port, as one process of the test's own user (`master_process off`), so that the
/// package's own server (port 80, when its install started one) is neither used nor in the way. Each request is logged
/// with the upstream(s) it went to, for the figures.
/// </summary>
public sealed class Nginx : IAsyncDisposable
{
    public const string Program = "/usr/sbin/nginx";

    private readonly ToolProcess _process;
    private readonly string _folder;

    private Nginx(ToolProcess process, string folder, int port)
    {
        _process = process;
        _folder = folder;
        Address = new Uri($"http://127.0.0.1:{port}");
    }

    public Uri Address { get; }

    public static async Task<Nginx> StartAsync(IEnumerable<Uri> upstreams, string logPath)
    {
        ToolProcess.Require(Program, "nginx");
        var folder = Directory.CreateTempSubdirectory("trialmanager-nginx-").FullName;
        var port = ToolProcess.FreePort();
        var servers = string.Join("\n", upstreams.Select(u => $"        server {u.Host}:{u.Port} max_fails=1 fail_timeout=2s;"));
        // Temporary paths are the prefix's, not the package's compiled-in /var/lib/nginx.
        await File.WriteAllTextAsync(Path.Combine(folder, "nginx.conf"), $$"""
            daemon off;
            master_process off;
            pid {{folder}}/nginx.pid;
            error_log stderr warn;
            events { worker_connections 1024; }
            http {
                log_format upstreams '$status|$upstream_addr|$upstream_status';
                access_log {{folder}}/access.log upstreams;
                client_body_temp_path {{folder}}/body;
                proxy_temp_path {{folder}}/proxy;
                fastcgi_temp_path {{folder}}/fastcgi;
                uwsgi_temp_path {{folder}}/uwsgi;
                scgi_temp_path {{folder}}/scgi;
                client_max_body_size 2m;
                upstream api {
            {{servers}}
                }
                server {
                    listen 127.0.0.1:{{port}};
                    location / {
                        proxy_pass http://api;
                        proxy_set_header Host $http_host;
                        proxy_connect_timeout 5s;
                        proxy_read_timeout 120s;
                        # The default: a request that could not be sent is passed on; one already sent is not resent, a POST
                        # could then run twice.
                        proxy_next_upstream error timeout;
                    }
                }
            }
            """);
        try
        {
            var process = await ToolProcess.StartAsync(Program, ["-p", folder, "-c", $"{folder}/nginx.conf", "-e", "stderr"], port, logPath,
                TimeSpan.FromSeconds(30));
            return new Nginx(process, folder, port);
        }
        catch
        {
            Directory.Delete(folder, recursive: true);
            throw;
        }
    }

    /// <summary>
    /// Requests nginx answered: by the upstream that answered ("127.0.0.1:port", "-" for none), by status, and how many
    /// were passed on from one upstream to the other.
    /// </summary>
    public async Task<NginxLog> LogAsync()
    {
        var lines = (await File.ReadAllLinesAsync(Path.Combine(_folder, "access.log"))).Select(l => l.Split('|')).ToList();
        return new NginxLog(
            lines.GroupBy(l => l[1].Split(',')[^1].Trim()).ToDictionary(g => g.Key, g => g.Count()),
            lines.GroupBy(l => l[0]).ToDictionary(g => g.Key, g => g.Count()),
            lines.Count(l => l[1].Contains(',', StringComparison.Ordinal)));
    }

    public async ValueTask DisposeAsync()
    {
        await _process.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }
}

public sealed record NginxLog(IReadOnlyDictionary<string, int> ByUpstream, IReadOnlyDictionary<string, int> ByStatus, int PassedOn)
{
    public int Requests => ByStatus.Values.Sum();

    public override string ToString() =>
        $"{Requests} ({string.Join(" ", ByUpstream.OrderBy(u => u.Key, StringComparer.Ordinal).Select(u => $"{u.Key}:{u.Value}"))}; " +
        $"statuses {string.Join(" ", ByStatus.OrderBy(s => s.Key, StringComparer.Ordinal).Select(s => $"{s.Key}:{s.Value}"))}; passed on {PassedOn})";
}
