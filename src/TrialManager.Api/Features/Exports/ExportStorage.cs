using Microsoft.Extensions.Options;
using TrialManager.Api.Infrastructure;

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
/// Settings `Exports:Storage` (`folder` or `s3`), `Exports:Path` (the folder; relative paths are under the content root),
/// `Exports:RetentionDays`, and the schedules (UTC) of the `export-cleanup` and `export-sweep` jobs.
/// </summary>
public sealed class ExportOptions : ISettings
{
    public string Storage { get; set; } = "folder";
    public string Path { get; set; } = ".local/exports";
    public int RetentionDays { get; set; } = 7;

    /// <summary>How long an export may stay queued and never attempted before the sweep queues a job for it.</summary>
    public double SweepAfterSeconds { get; set; } = 60;

    public string CleanupCron { get; set; } = "30 3 * * *";
    public string SweepCron { get; set; } = "* * * * *";

    public void Check(SettingsCheck check)
    {
        check.Require(Storage is "folder" or "s3", nameof(Storage), $"is '{Storage}'; it must be folder or s3.");
        if (Storage == "folder")
            check.NotEmpty(nameof(Path), Path);
        check.AtLeast(nameof(RetentionDays), RetentionDays, 1);
        check.AtLeast(nameof(SweepAfterSeconds), SweepAfterSeconds, 0);
        check.Cron(nameof(CleanupCron), CleanupCron);
        check.Cron(nameof(SweepCron), SweepCron);
    }
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
    public static IServiceCollection AddTrialManagerExports(this IServiceCollection services, string contentRoot)
    {
        services.AddSettings<ExportOptions>("Exports");
        // The folder is made and written to at start-up, so that a wrong path stops the process rather than every export job.
        services.AddSingleton<IValidateOptions<ExportOptions>>(new FolderCheck(contentRoot));
        // Checked at start-up too, but only when chosen: a folder installation has no S3 settings.
        services.AddOptions<S3ExportOptions>().BindConfiguration(S3ExportOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<S3ExportOptions>, S3ExportOptions.Validator>();
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<S3ExportOptions>>().Value);
        services.AddSingleton(sp => S3ExportStorage.CreateClient(sp.GetRequiredService<S3ExportOptions>()));
        services.AddSingleton<IExportStorage>(sp => sp.GetRequiredService<ExportOptions>() is { Storage: "s3" }
            ? ActivatorUtilities.CreateInstance<S3ExportStorage>(sp)
            : new FolderExportStorage(FolderOf(sp.GetRequiredService<ExportOptions>(), contentRoot)));
        services.AddScoped<ExportJob>();
        return services;
    }

    private static string FolderOf(ExportOptions options, string contentRoot) =>
        System.IO.Path.GetFullPath(System.IO.Path.Combine(contentRoot, options.Path));

    private sealed class FolderCheck(string contentRoot) : IValidateOptions<ExportOptions>
    {
        public ValidateOptionsResult Validate(string? name, ExportOptions options)
        {
            if (options.Storage != "folder" || string.IsNullOrWhiteSpace(options.Path))
                return ValidateOptionsResult.Skip; // not a folder installation, or the settings check reports it
            try
            {
                var folder = FolderOf(options, contentRoot);
                Directory.CreateDirectory(folder);
                var probe = System.IO.Path.Combine(folder, $".write-check-{Guid.NewGuid():N}");
                File.WriteAllBytes(probe, []);
                File.Delete(probe);
                return ValidateOptionsResult.Success;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
            {
                return ValidateOptionsResult.Fail($"Exports:Path is '{options.Path}': that folder cannot be created or written to ({e.Message}).");
            }
        }
    }
}
