namespace TrialManager.Api.Features.Reports;

/// <summary>
/// The two-level CONSORT flow of a cluster trial (Campbell et al., CONSORT 2010 extension to cluster trials) for
/// one group of clusters: clusters randomised, lost and analysed; participants per cluster; individuals enrolled,
/// assessed at each timepoint, withdrawn, lost or died (with their reasons) and analysed. Pure counting.
/// </summary>
public static class ConsortFlow
{
    public sealed record ParticipantFacts(Guid ClusterId, string Status, string? StatusReason, IReadOnlySet<string> AssessedAt, bool Analysed);

    public sealed record PerCluster(int Clusters, int Min, double Median, int Max);

    public sealed record Exit(string Status, string? Reason, int Count);

    public sealed record Group(int ClustersRandomised, int ClustersAnalysed, int ClustersLost, PerCluster ParticipantsPerCluster, int Enrolled,
        IReadOnlyDictionary<string, int> AssessedAt, IReadOnlyList<Exit> Exits, int Analysed);

    public static Group Count(IReadOnlyCollection<Guid> clusters, IReadOnlyCollection<ParticipantFacts> participants, IReadOnlyList<string> timepoints)
    {
        var perCluster = clusters.Select(c => participants.Count(p => p.ClusterId == c)).Order().ToList();
        var analysedClusters = clusters.Count(c => participants.Any(p => p.ClusterId == c && p.Analysed));
        return new Group(
            clusters.Count,
            analysedClusters,
            clusters.Count - analysedClusters,
            new PerCluster(perCluster.Count, perCluster.Count == 0 ? 0 : perCluster[0], Median(perCluster), perCluster.Count == 0 ? 0 : perCluster[^1]),
            participants.Count,
            timepoints.ToDictionary(t => t, t => participants.Count(p => p.AssessedAt.Contains(t))),
            participants.Where(p => p.Status != "active").GroupBy(p => (p.Status, p.StatusReason))
                .Select(g => new Exit(g.Key.Status, g.Key.StatusReason, g.Count())).OrderBy(e => e.Status).ThenBy(e => e.Reason).ToList(),
            participants.Count(p => p.Analysed));
    }

    private static double Median(IReadOnlyList<int> sorted) => sorted.Count == 0 ? 0
        : sorted.Count % 2 == 1 ? sorted[sorted.Count / 2]
        : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2.0;
}
