using System.Diagnostics;
using TrialManager.Api.Features.Exports;
using TrialManager.Tests.Integration.Http;

namespace TrialManager.Tests.Integration.Exports;

/// <summary>
/// A local S3-compatible server for one fixture: s3rver (tests/s3-server, installed by deploy/local/test.sh from its
/// lock file) on a free port, keeping its objects in a temporary folder that goes when it stops.
/// </summary>
public sealed class S3Server : IAsyncDisposable
{
    public const string Bucket = "trialmanager-test";

    /// <summary>s3rver's fixed credentials; it checks request signatures against them.</summary>
    public const string AccessKey = "S3RVER", SecretKey = "S3RVER";

    private readonly Process _process;

    private S3Server(Process process, string folder, int port)
    {
        _process = process;
        Folder = folder;
        ServiceUrl = $"http://127.0.0.1:{port}";
    }

    public string ServiceUrl { get; }

    public string Folder { get; }

    public static async Task<S3Server> StartAsync()
    {
        var home = Path.Combine(Path.GetDirectoryName(OpenApiDocument.SnapshotPath)!, "..", "s3-server");
        Assert.That(File.Exists(Path.Combine(home, "node_modules", "s3rver", "package.json")),
            $"s3rver is not installed: run npm ci --ignore-scripts --prefix {Path.GetFullPath(home)}");
        var folder = Directory.CreateTempSubdirectory("trialmanager-s3-").FullName;
        var process = Process.Start(new ProcessStartInfo("node", [Path.Combine(home, "server.js"), folder, Bucket])
        {
            RedirectStandardOutput = true, RedirectStandardError = true,
        })!;
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var line = await process.StandardOutput.ReadLineAsync(timeout.Token);
        if (line?.StartsWith("listening ", StringComparison.Ordinal) != true)
        {
            process.Kill();
            throw new InvalidOperationException($"s3rver did not start: {line} {await errors}");
        }
        return new S3Server(process, folder, int.Parse(line["listening ".Length..], System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>The export settings of a host that keeps its exports here, under the given prefix.</summary>
    public Dictionary<string, string?> Settings(string prefix) => new()
    {
        ["Exports:Storage"] = "s3",
        ["Exports:S3:ServiceUrl"] = ServiceUrl,
        ["Exports:S3:Bucket"] = Bucket,
        ["Exports:S3:Prefix"] = prefix,
        ["Exports:S3:AccessKey"] = AccessKey,
        ["Exports:S3:SecretKey"] = SecretKey,
    };

    public S3ExportOptions Options(string prefix) => new()
        { ServiceUrl = ServiceUrl, Bucket = Bucket, Prefix = prefix, AccessKey = AccessKey, SecretKey = SecretKey };

    /// <summary>
    /// Multipart uploads begun and neither completed nor aborted: s3rver keeps each one's parts in a folder of its own
    /// under the bucket's `._S3rver_uploads`.
    /// </summary>
    public IReadOnlyList<string> PendingUploads()
    {
        var uploads = Path.Combine(Folder, Bucket, "._S3rver_uploads");
        return Directory.Exists(uploads) ? Directory.GetDirectories(uploads) : [];
    }

    public async ValueTask DisposeAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        _process.Dispose();
        Directory.Delete(Folder, recursive: true);
    }
}
