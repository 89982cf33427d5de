using Microsoft.Extensions.Options;

namespace TrialManager.Api.Features.Exports;

/// <summary>
/// Where export files live. Keys are made by the service (`{trialId}/{exportId}.zip`), never by callers. A folder by
/// default (`Exports:Storage=folder`), or S3-compatible object storage (`s3`, <see cref="S3ExportStorage"/>).
/// </summary>
public interface IExportStorage
{
    /// <summary>
    /// A new file under the key from what <paramref name="write"/> writes, replacing any earlier one. It appears only
    /// once the write has finished: a write that fails or is cancelled leaves no file, whole or partial.
    /// </summary>
    Task WriteAsync(string key, Func<Stream, CancellationToken, Task> write, CancellationToken ct);

    /// <summary>The file, or null when there is none.</summary>
    Task<Stream?> OpenReadAsync(string key, CancellationToken ct);

    /// <summary>Deletes the file; deleting a missing file is not an error (clean-up may run twice).</summary>
    Task DeleteAsync(string key, CancellationToken ct);

    Task<bool> ExistsAsync(string key, CancellationToken ct);
}

/// <summary>
/// Settings `Exports:Storage` (`folder` or `s3`), `Exports:Path` (the folder; relative paths are under the content root)
/// and `Exports:RetentionDays`.
/// </summary>
public sealed class ExportOptions
{
    public string Storage { get; set; } = "folder";
    public string Path { get; set; } = ".local/exports";
    public int RetentionDays { get; set; } = 7;

    /// <summary>How long an export may stay queued and never attempted before the sweep queues a job for it.</summary>
    public double SweepAfterSeconds { get; set; } = 60;
}

public sealed class FolderExportStorage(string root) : IExportStorage
{
    private const int BufferSize = 1 << 16;

    public string Root => root;

    /// <summary>
    /// Written beside the key and renamed onto it when done. The partial file has a fixed name, so the re-run of a job
    /// that died while writing overwrites it.
    /// </summary>
    public async Task WriteAsync(string key, Func<Stream, CancellationToken, Task> write, CancellationToken ct)
    {
        var path = PathOf(key);
        var partial = path + ".partial";
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        try
        {
            await using (var file = new FileStream(partial, FileMode.Create, FileAccess.Write, FileShare.None, BufferSize, FileOptions.Asynchronous))
                await write(file, ct);
            File.Move(partial, path, overwrite: true);
        }
        catch
        {
            File.Delete(partial);
            throw;
        }
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
        switch (options.Storage)
        {
            case "folder":
                services.AddSingleton<IExportStorage>(new FolderExportStorage(System.IO.Path.GetFullPath(System.IO.Path.Combine(contentRoot, options.Path))));
                break;
            case "s3":
                services.AddOptions<S3ExportOptions>().Bind(configuration.GetSection(S3ExportOptions.Section)).ValidateOnStart();
                services.AddSingleton<IValidateOptions<S3ExportOptions>, S3ExportOptions.Validator>();
                services.AddSingleton(sp => sp.GetRequiredService<IOptions<S3ExportOptions>>().Value);
                services.AddSingleton(sp => S3ExportStorage.CreateClient(sp.GetRequiredService<S3ExportOptions>()));
                services.AddSingleton<IExportStorage, S3ExportStorage>();
                break;
            default:
                throw new InvalidOperationException($"Exports:Storage must be folder or s3, not '{options.Storage}'.");
        }
        services.AddScoped<ExportJob>();
        return services;
    }
}
