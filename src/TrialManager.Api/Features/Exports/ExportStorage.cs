namespace TrialManager.Api.Features.Exports;

/// <summary>
/// Where export files live. Keys are made by the service (`{trialId}/{exportId}.zip`), never by callers. A folder by
/// default; an object store would implement the same four operations.
/// </summary>
public interface IExportStorage
{
    /// <summary>A new file under the key, replacing any earlier one (a re-run of a job overwrites its partial file).</summary>
    Task<Stream> OpenWriteAsync(string key, CancellationToken ct);

    /// <summary>The file, or null when there is none.</summary>
    Task<Stream?> OpenReadAsync(string key, CancellationToken ct);

    /// <summary>Deletes the file; deleting a missing file is not an error (clean-up may run twice).</summary>
    Task DeleteAsync(string key, CancellationToken ct);

    Task<bool> ExistsAsync(string key, CancellationToken ct);
}

/// <summary>Settings `Exports:Path` (a folder; relative paths are under the content root) and `Exports:RetentionDays`.</summary>
public sealed class ExportOptions
{
    public string Path { get; set; } = ".local/exports";
    public int RetentionDays { get; set; } = 7;

    /// <summary>How long an export may stay queued and never attempted before the sweep queues a job for it.</summary>
    public double SweepAfterSeconds { get; set; } = 60;
}

public sealed class FolderExportStorage(string root) : IExportStorage
{
    private const int BufferSize = 1 << 16;

    public string Root => root;

    public Task<Stream> OpenWriteAsync(string key, CancellationToken ct)
    {
        var path = PathOf(key);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        return Task.FromResult<Stream>(new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, BufferSize, FileOptions.Asynchronous));
    }

    public Task<Stream?> OpenReadAsync(string key, CancellationToken ct)
    {
        var path = PathOf(key);
        return Task.FromResult<Stream?>(File.Exists(path)
            ? new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, BufferSize, FileOptions.Asynchronous | FileOptions.SequentialScan)
            : null);
    }

    public Task DeleteAsync(string key, CancellationToken ct)
    {
        File.Delete(PathOf(key));
        return Task.CompletedTask;
    }

    public Task<bool> ExistsAsync(string key, CancellationToken ct) => Task.FromResult(File.Exists(PathOf(key)));

    private string PathOf(string key)
    {
        var path = System.IO.Path.GetFullPath(System.IO.Path.Combine(root, key));
        if (!path.StartsWith(System.IO.Path.GetFullPath(root) + System.IO.Path.DirectorySeparatorChar, StringComparison.Ordinal))
            throw new ArgumentException($"The export key '{key}' leaves the export folder.", nameof(key));
        return path;
    }
}

public static class ExportsSetup
{
    public static IServiceCollection AddTrialManagerExports(this IServiceCollection services, IConfiguration configuration, string contentRoot)
    {
        var options = configuration.GetSection("Exports").Get<ExportOptions>() ?? new ExportOptions();
        services.AddSingleton(options);
        services.AddSingleton<IExportStorage>(new FolderExportStorage(System.IO.Path.GetFullPath(System.IO.Path.Combine(contentRoot, options.Path))));
        services.AddScoped<ExportJob>();
        return services;
    }
}
