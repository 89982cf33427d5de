using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using TrialManager.Api.Features.Randomisation.Methods;
using static TrialManager.Tests.Integration.TrialWorld;

namespace TrialManager.Tests.Integration.Randomisation;

/// <summary>Schemes, sealing and the commitment, race-free allocation, and the replay of every allocation after lock.</summary>
public sealed class RandomisationTests : IntegrationTest
{
    private static List<JsonNode> Items(ApiResponse response) => response["items"].AsArray().Select(i => i!).ToList();

    private async Task<List<Guid>> ClustersAsync(TrialWorld world, int count, Func<int, object> covariates)
    {
        var ids = new List<Guid>();
        for (var i = 0; i < count; i++)
            ids.Add(await world.ClusterAsync(i % 2 == 0 ? world.SiteA : world.SiteB, covariates(i)));
        return ids;
    }

    private async Task<string> SealAsync(TrialWorld world, object scheme)
    {
        await Expect(HttpStatusCode.OK, Api.Put($"{world.Path}/randomisation/scheme", scheme, world.Manager));
        var seal = await Expect(HttpStatusCode.OK, Api.Post($"{world.Path}/randomisation/scheme/seal", new { }, world.Manager));
        return seal["commitment"].GetValue<string>();
    }

    [Test]
    public async Task A_scheme_is_checked_against_the_trials_covariates()
    {
        var world = await NewTrialAsync();
        var response = await Api.Put($"{world.Path}/randomisation/scheme",
            new { method = "stratified-block", strata = new[] { "caseload", "nosuch" }, blockSizes = new[] { 3 } }, world.Manager);
        Assert.That(response.Code, Is.EqualTo(422));
        Assert.That(response["violations"].AsArray().Select(v => $"{v!["field"]}/{v["rule"]}"),
            Is.EquivalentTo(new[] { "strata[0].name/categorical", "strata[1].name/known-covariate", "blockSizes/multiple-of-ratio" }));
        var unknown = await Api.Put($"{world.Path}/randomisation/scheme", new { method = "coin-toss" }, world.Manager);
        Assert.That(unknown["errors"]["method"], Is.Not.Null);
    }

    [Test]
    public async Task Sealing_fixes_the_scheme_and_never_shows_its_seed()
    {
        var world = await NewTrialAsync();
        Assert.That((await Api.Post($"{world.Path}/randomisation/allocations", new { clusterId = world.ClusterA }, world.Manager)).Code,
            Is.EqualTo(409), "no allocation before a scheme is sealed");
        var commitment = await SealAsync(world, new { method = "simple" });
        Assert.That(commitment, Does.Match("^[0-9a-f]{64}$"));
        Assert.That((await Api.Put($"{world.Path}/randomisation/scheme", new { method = "simple" }, world.Manager)).Code, Is.EqualTo(409));
        Assert.That((await Api.Post($"{world.Path}/randomisation/scheme/seal", new { }, world.Manager)).Code, Is.EqualTo(409));
        var scheme = await Api.Get($"{world.Path}/randomisation/scheme", world.Statistician);
        Assert.Multiple(() =>
        {
            Assert.That(scheme["status"].GetValue<string>(), Is.EqualTo("sealed"));
            Assert.That(scheme["commitment"].GetValue<string>(), Is.EqualTo(commitment));
            Assert.That(scheme.Body, Does.Not.Contain("seed"));
        });
        Assert.That((await Api.Get($"{world.Path}/randomisation/reveal", world.Manager)).Code, Is.EqualTo(409), "not before lock");
        var stored = await Db.ScalarAsync<long>("SELECT count(*) FROM audit_events WHERE changes::text LIKE '%tm-randomisation-v1%'");
        Assert.That(stored, Is.Zero, "the sealed text is not in the audit trail either");
    }

    [Test]
    public async Task Sixty_concurrent_allocations_among_other_writers_follow_each_stratums_sequence_exactly_and_the_commitment_replays()
    {
        var world = await NewTrialAsync();
        var clusters = await ClustersAsync(world, 60, i => new { caseload = 100 + i, teamType = i % 3 == 0 ? "early" : "support" });
        var commitment = await SealAsync(world, new { method = "stratified-block", strata = new[] { "site" }, blockSizes = new[] { 2, 4 } });
        // More concurrent writers than the audit chain has strands, some of them enrolling: none may deadlock.
        var enrolments = Enumerable.Range(0, 20).Select(_ => Api.Post($"{world.Path}/participants", NewParticipant(world.ClusterA), world.ResearcherA));
        var answers = await Task.WhenAll(clusters.Select(c => Api.Post($"{world.Path}/randomisation/allocations", new { clusterId = c }, world.Manager))
            .Concat(enrolments));
        Assert.That(answers.Select(a => a.Code), Is.All.AnyOf(200, 201), string.Join("\n", answers.Where(a => a.Code >= 300)));

        var allocations = Items(await Api.Get($"{world.Path}/randomisation/allocations?limit=500", world.UnblindedStatistician));
        Assert.That(allocations, Has.Count.EqualTo(60));
        await world.AdvanceToAsync("locked");
        var revealed = await Expect(HttpStatusCode.OK, Api.Get($"{world.Path}/randomisation/reveal", world.Manager));
        var canonical = revealed["canonical"].GetValue<string>();
        Assert.That(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical))), Is.EqualTo(commitment));

        var random = new SealedRandom(Convert.FromHexString(revealed["seed"].GetValue<string>()));
        ArmRatio[] arms = [new(ArmZulu, 1), new(ArmYankee, 1)];
        foreach (var stratum in allocations.GroupBy(a => a["stratum"]!.GetValue<string>()))
        {
            var positions = stratum.Select(a => a["position"]!.GetValue<int>()).Order().ToList();
            Assert.That(positions, Is.EqualTo(Enumerable.Range(1, positions.Count)), $"{stratum.Key}: no position skipped or used twice");
            var sealedSequence = revealed["sequence"][stratum.Key]!.AsArray().Select(x => x!.GetValue<string>()).ToList();
            foreach (var allocation in stratum)
            {
                var position = allocation["position"]!.GetValue<int>();
                Assert.That(allocation["arm"]!.GetValue<string>(), Is.EqualTo(sealedSequence[position - 1]), "the sealed sequence");
                Assert.That(BlockSequence.ArmAt(arms, [2, 4], random, stratum.Key, position), Is.EqualTo(sealedSequence[position - 1]),
                    "replayed from the revealed seed");
            }
            var zulu = stratum.Count(a => a["arm"]!.GetValue<string>() == ArmZulu);
            Assert.That(Math.Abs(2 * zulu - stratum.Count()), Is.LessThanOrEqualTo(2), "within half the largest block");
        }
    }

    [Test]
    public async Task Racing_requests_for_one_cluster_give_one_allocation_and_conflicts()
    {
        var world = await NewTrialAsync();
        await SealAsync(world, new { method = "simple" });
        var answers = await Task.WhenAll(Enumerable.Range(0, 10)
            .Select(_ => Api.Post($"{world.Path}/randomisation/allocations", new { clusterId = world.ClusterA }, world.Manager)));
        Assert.That(answers.Count(a => a.Code == 201), Is.EqualTo(1));
        Assert.That(answers.Count(a => a.Code == 409), Is.EqualTo(9));
        Assert.That(answers.Where(a => a.Code == 409).Select(a => a.Body), Has.None.Contain(ArmZulu).And.None.Contain(ArmYankee));
        Assert.That(await Db.ScalarAsync<long>("SELECT count(*) FROM allocations"), Is.EqualTo(1));
    }

    [Test]
    public async Task Simple_and_minimisation_allocations_replay_from_the_revealed_seed()
    {
        var world = await NewTrialAsync();
        var clusters = await ClustersAsync(world, 12, i => new { caseload = 100 + i, teamType = i % 3 == 0 ? "early" : "support" });
        await SealAsync(world, new { method = "minimisation", factors = new object[] { new { name = "site", weight = 1 }, new { name = "teamType", weight = 2 } },
            imbalance = "range", probability = 0.8 });
        var all = new List<Guid> { world.ClusterA, world.ClusterB };
        all.AddRange(clusters);
        var decisions = new List<JsonNode>();
        foreach (var cluster in all)
            decisions.Add(Items(await Expect(HttpStatusCode.Created,
                Api.Post($"{world.Path}/randomisation/allocations", new { clusterId = cluster }, world.Manager))).Single());
        Assert.That(decisions.Select(d => d["evidence"]?["imbalance"]), Has.All.Not.Null);
        var zulu = decisions.Count(d => d["arm"]!.GetValue<string>() == ArmZulu);
        Assert.That(Math.Abs(2 * zulu - decisions.Count), Is.LessThanOrEqualTo(6));

        await world.AdvanceToAsync("locked");
        var revealed = await Expect(HttpStatusCode.OK, Api.Get($"{world.Path}/randomisation/reveal", world.UnblindedStatistician));
        var random = new SealedRandom(Convert.FromHexString(revealed["seed"].GetValue<string>()));
        ArmRatio[] arms = [new(ArmZulu, 1), new(ArmYankee, 1)];
        var clustersById = Items(await Api.Get($"{world.Path}/clusters?limit=500", world.Manager))
            .ToDictionary(c => c["id"]!.GetValue<Guid>());
        var sites = Items(await Api.Get($"{world.Path}/sites", world.Manager)).ToDictionary(s => s["id"]!.GetValue<Guid>(), s => s["code"]!.GetValue<string>());
        var history = new List<Minimisation.Allocated>();
        foreach (var decision in decisions.OrderBy(d => d["draw"]!.GetValue<int>()))
        {
            var cluster = clustersById[decision["clusterId"]!.GetValue<Guid>()];
            var levels = new Dictionary<string, string>
            {
                ["site"] = sites[cluster["siteId"]!.GetValue<Guid>()], ["teamType"] = cluster["covariates"]!["teamType"]!.GetValue<string>(),
            };
            var replayed = Minimisation.Decide(arms, [new("site", 1), new("teamType", 2)], "range", 0.8, history, levels, random,
                decision["draw"]!.GetValue<int>());
            Assert.That(replayed.Arm, Is.EqualTo(decision["arm"]!.GetValue<string>()), $"draw {decision["draw"]}");
            history.Add(new Minimisation.Allocated(replayed.Arm, levels));
        }
    }

    [Test]
    public async Task A_constrained_allocation_is_previewed_drawn_once_and_replays_from_the_revealed_seed()
    {
        var world = await NewTrialAsync();
        await ClustersAsync(world, 6, i => new { caseload = 120 + 37 * i, teamType = i % 2 == 0 ? "early" : "support" });
        var scheme = new { method = "constrained", covariates = new object[] { new { name = "caseload", weight = 1 }, new { name = "site", weight = 1 } },
            metric = "l2", cutoff = 0.1 };
        var preview = await Expect(HttpStatusCode.OK, Api.Post($"{world.Path}/randomisation/preview", scheme, world.Statistician));
        Assert.Multiple(() =>
        {
            Assert.That(preview["candidateCount"].GetValue<long>(), Is.EqualTo(70), "C(8,4)");
            Assert.That(preview["exhaustive"].GetValue<bool>(), Is.True);
            Assert.That(preview["pairs"].AsArray(), Has.Count.EqualTo(28));
            Assert.That(preview.Body, Does.Not.Contain(ArmZulu).And.Not.Contain(ArmYankee));
        });
        var commitment = await SealAsync(world, scheme);
        var clusters = Items(await Api.Get($"{world.Path}/clusters?limit=100", world.Manager));
        var ids = clusters.Select(c => c["id"]!.GetValue<Guid>()).ToList();
        var allocated = Items(await Expect(HttpStatusCode.Created, Api.Post($"{world.Path}/randomisation/allocations", new { clusterIds = ids }, world.Manager)));
        Assert.That(allocated.Count(a => a["arm"]!.GetValue<string>() == ArmZulu), Is.EqualTo(4));
        Assert.That((await Api.Post($"{world.Path}/randomisation/allocations", new { clusterIds = ids }, world.Manager)).Code, Is.EqualTo(409));

        await world.AdvanceToAsync("locked");
        var revealed = await Expect(HttpStatusCode.OK, Api.Get($"{world.Path}/randomisation/reveal", world.Manager));
        Assert.That(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(revealed["canonical"].GetValue<string>()))), Is.EqualTo(commitment));
        var sites = Items(await Api.Get($"{world.Path}/sites", world.Manager)).ToDictionary(x => x["id"]!.GetValue<Guid>(), x => x["code"]!.GetValue<string>());
        var engineClusters = clusters.OrderBy(c => c["code"]!.GetValue<string>(), StringComparer.Ordinal).Select(c => new ConstrainedCluster(
            c["code"]!.GetValue<string>(), new Dictionary<string, TrialManager.Data.Trials.CovariateValue>
            {
                ["caseload"] = TrialManager.Data.Trials.CovariateValue.Numeric(c["covariates"]!["caseload"]!.GetValue<double>()),
                ["site"] = TrialManager.Data.Trials.CovariateValue.Categorical(sites[c["siteId"]!.GetValue<Guid>()]),
            })).ToList();
        var random = new SealedRandom(Convert.FromHexString(revealed["seed"].GetValue<string>()));
        var draws = 0L;
        var replay = ConstrainedRandomisation.Allocate(engineClusters, 4,
            new ConstrainedOptions([new("caseload", 1), new("site", 1)], "l2", 0.1), UniformSource.From(n => random.Next($"constrained/{draws++}", n)));
        var codes = clusters.ToDictionary(c => c["id"]!.GetValue<Guid>(), c => c["code"]!.GetValue<string>());
        var replayedArms = engineClusters.Select((c, i) => (c.Code, Arm: replay.Chosen!.InFirstArm[i] ? ArmZulu : ArmYankee)).ToDictionary(x => x.Code, x => x.Arm);
        foreach (var allocation in allocated)
            Assert.That(allocation["arm"]!.GetValue<string>(), Is.EqualTo(replayedArms[codes[allocation["clusterId"]!.GetValue<Guid>()]]));
    }

    [Test]
    public async Task A_randomised_clusters_site_and_covariates_cannot_change()
    {
        var world = await NewTrialAsync();
        await SealAsync(world, new { method = "simple" });
        await Expect(HttpStatusCode.Created, Api.Post($"{world.Path}/randomisation/allocations", new { clusterId = world.ClusterA }, world.Manager));
        var change = await Api.Patch($"{world.Path}/clusters/{world.ClusterA}", new { covariates = new { caseload = 1 } }, world.Manager);
        Assert.That(change.Code, Is.EqualTo(409));
        Assert.That((await Api.Patch($"{world.Path}/clusters/{world.ClusterA}", new { code = "RENAMED" }, world.Manager)).Code, Is.EqualTo(200));
    }
}
