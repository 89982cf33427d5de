using Microsoft.Extensions.Options;
using TrialManager.Api.Infrastructure;

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

/// <summary>
/// Settings `Exports:Path` (a folder; relative paths are under the content root), `Exports:RetentionDays`, and the
/// schedules (UTC) of the `export-cleanup` and `export-sweep` jobs.
/// </summary>
public sealed class ExportOptions : ISettings
{
    public string Path { get; set; } = ".local/exports";
    public int RetentionDays { get; set; } = 7;

    /// <summary>How long an export may stay queued and never attempted before the sweep queues a job for it.</summary>
    public double SweepAfterSeconds { get; set; } = 60;

    public string CleanupCron { get; set; } = "30 3 * * *";
    public string SweepCron { get; set; } = "* * * * *";

    public void Check(SettingsCheck check)
    {
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
    public static IServiceCollection AddTrialManagerExports(this IServiceCollection services, string contentRoot)
    {
        services.AddSettings<ExportOptions>("Exports");
        // The folder is made and written to at start-up, so that a wrong path stops the process rather than every export job.
        services.AddSingleton<IValidateOptions<ExportOptions>>(new FolderCheck(contentRoot));
        services.AddSingleton<IExportStorage>(sp => new FolderExportStorage(FolderOf(sp.GetRequiredService<ExportOptions>(), contentRoot)));
        services.AddScoped<ExportJob>();
        return services;
    }

    private static string FolderOf(ExportOptions options, string contentRoot) =>
        System.IO.Path.GetFullPath(System.IO.Path.Combine(contentRoot, options.Path));

    private sealed class FolderCheck(string contentRoot) : IValidateOptions<ExportOptions>
    {
        public ValidateOptionsResult Validate(string? name, ExportOptions options)
        {
            if (string.IsNullOrWhiteSpace(options.Path))
                return ValidateOptionsResult.Skip; // the settings check reports it
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
