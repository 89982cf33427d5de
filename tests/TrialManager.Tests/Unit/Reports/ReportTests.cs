using TrialManager.Api.Features.Reports;

namespace TrialManager.Tests.Unit.Reports;

public sealed class ReportTests
{
    [Test]
    public void Bangs_index_follows_its_definition()
    {
        // 60 right, 20 wrong, 20 don't know of 100: BI = 0.6 - 0.2 = 0.4; var = (0.24 + 0.16 + 0.24) / 100 = 0.0064, SE 0.08.
        var result = BangIndex.Compute(correct: 60, incorrect: 20, dontKnow: 20);
        Assert.Multiple(() =>
        {
            Assert.That(result.Index, Is.EqualTo(0.4).Within(1e-9));
            Assert.That(result.Lower, Is.EqualTo(0.4 - 1.96 * 0.08).Within(1e-6));
            Assert.That(result.Upper, Is.EqualTo(0.4 + 1.96 * 0.08).Within(1e-6));
        });
        Assert.That(BangIndex.Compute(0, 0, 10).Index, Is.Zero, "all don't know: perfectly blind");
        Assert.That(BangIndex.Compute(0, 10, 0).Index, Is.EqualTo(-1), "all guessed the other arm");
        Assert.That(BangIndex.Compute(0, 0, 0).Index, Is.Null, "no guesses, no index");
    }

    [Test]
    public void The_consort_flow_counts_clusters_and_individuals()
    {
        var (c1, c2, c3) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        ConsortFlow.ParticipantFacts P(Guid cluster, string status, bool analysed, params string[] assessed) =>
            new(cluster, status, status == "active" ? null : "moved", assessed.ToHashSet(), analysed);
        var flow = ConsortFlow.Count([c1, c2, c3],
        [
            P(c1, "active", true, "baseline", "12m"), P(c1, "active", true, "baseline", "12m"), P(c1, "lost", false, "baseline"),
            P(c2, "withdrawn-follow-up", false, "baseline"),
        ], ["baseline", "12m"]);
        Assert.Multiple(() =>
        {
            Assert.That(flow.ClustersRandomised, Is.EqualTo(3));
            Assert.That(flow.ClustersAnalysed, Is.EqualTo(1));
            Assert.That(flow.ClustersLost, Is.EqualTo(2));
            Assert.That(flow.ParticipantsPerCluster, Is.EqualTo(new ConsortFlow.PerCluster(3, 0, 1, 3)));
            Assert.That(flow.Enrolled, Is.EqualTo(4));
            Assert.That(flow.AssessedAt["baseline"], Is.EqualTo(4));
            Assert.That(flow.AssessedAt["12m"], Is.EqualTo(2));
            Assert.That(flow.Exits.Select(e => $"{e.Status}:{e.Reason}:{e.Count}"), Is.EqualTo(new[] { "lost:moved:1", "withdrawn-follow-up:moved:1" }));
            Assert.That(flow.Analysed, Is.EqualTo(2));
        });
    }
}
