using System.Text;

namespace TrialManager.Benchmarks.Infrastructure;

/// <summary>
/// The enrolment load shared by the figures that measure `POST /api/v1/trials/{trialId}/participants`: every
/// request enrols a new participant (unique external id) into the trial's cluster, as the trial manager.
/// </summary>
public static class Enrolments
{
    /// <summary>Runs closed-loop enrolments against one API host and reports answers other than 201 Created.</summary>
    /// <param name="label">Names the run in the progress output (stderr).</param>
    /// <param name="tag">Unique per run; with the request number, it makes every external id unique.</param>
    public static async Task<LoadResult> RunAsync(string label, HttpClient client, BenchTrial trial, string tag, int clients,
        TimeSpan warmUp, TimeSpan measured, CancellationToken ct)
    {
        var path = $"/api/v1/trials/{trial.TrialId}/participants";
        var load = await LoadGenerator.RunAsync(clients, warmUp, measured, successStatus: 201,
            async n =>
            {
                // Written by hand rather than serialised, so that the client spends as little CPU as possible
                // (it shares the machine with the API and PostgreSQL).
                using var body = new StringContent(
                    $$"""{"externalId":"{{tag}}-{{n}}","clusterId":"{{trial.ClusterId}}","kind":"patient","consentDate":"2011-06-01","baselineDate":"2011-06-08"}""",
                    Encoding.UTF8, "application/json");
                using var response = await client.PostAsync(path, body, CancellationToken.None);
                return (int)response.StatusCode;
            }, ct);

        if (load.Failed > 0)
            Console.Error.WriteLine($"[{label}] {load.Failed} answers were not 201 Created: " +
                string.Join(", ", load.FailedByStatus.OrderBy(p => p.Key).Select(p => $"{p.Key} x{p.Value}")));
        return load;
    }
}
