namespace TrialManager.Api.Features.Jobs;

/// <summary>
/// What this process does, from `Hosting:Mode`: `all` (the API and a job worker, the default), `api` (requests only;
/// jobs are queued for workers) or `worker` (jobs only; no API routes). Any number of each share one database.
/// `migrate` applies the migrations and Hangfire's schema, then exits: a deployment's one-off step before the others.
/// </summary>
public enum HostingMode
{
    All,
    Api,
    Worker,
    Migrate,
}

public static class HostingModes
{
    public static HostingMode From(IConfiguration configuration) =>
        (configuration["Hosting:Mode"] ?? "all").Trim().ToLowerInvariant() switch
        {
            "all" or "" => HostingMode.All,
            "api" => HostingMode.Api,
            "worker" => HostingMode.Worker,
            "migrate" => HostingMode.Migrate,
            var other => throw new InvalidOperationException($"Hosting:Mode is '{other}'; it must be all, api, worker or migrate."),
        };

    public static bool ServesApi(this HostingMode mode) => mode is HostingMode.All or HostingMode.Api;

    public static bool RunsJobs(this HostingMode mode) => mode is HostingMode.All or HostingMode.Worker;
}
