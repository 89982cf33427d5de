using System.Net;
using static TrialManager.Tests.Integration.TrialWorld;

namespace TrialManager.Tests.Integration.Randomisation;

/// <summary>No blinded role learns an arm from any view; unblinded roles do, and each such view is audited.</summary>
public sealed class BlindingTests : IntegrationTest
{
    private TrialWorld _world = null!;

    [SetUp]
    public async Task RandomisedTrialAsync()
    {
        _world = await NewTrialAsync();
        await Expect(HttpStatusCode.OK, Api.Put($"{_world.Path}/randomisation/scheme", new { method = "simple" }, _world.Manager));
        await Expect(HttpStatusCode.OK, Api.Post($"{_world.Path}/randomisation/scheme/seal", new { }, _world.Manager));
        foreach (var cluster in new[] { _world.ClusterA, _world.ClusterB })
            await Expect(HttpStatusCode.Created, Api.Post($"{_world.Path}/randomisation/allocations", new { clusterId = cluster }, _world.Manager));
    }

    private static bool Leaks(ApiResponse response) => response.Body.Contains(ArmZulu) || response.Body.Contains(ArmYankee);

    /// <summary>Every view of clusters and participants. (The audit trail names the trial's arms, which are not secret, in the
    /// events that created them; its allocation events are checked on their own below.)</summary>
    private IEnumerable<string> Views() =>
    [
        $"{_world.Path}/clusters", $"{_world.Path}/clusters/{_world.ClusterA}", $"{_world.Path}/participants",
        $"{_world.Path}/participants/{_world.ParticipantA}", $"{_world.Path}/randomisation/scheme",
    ];

    [Test]
    public async Task Blinded_roles_see_randomised_and_its_date_but_never_an_arm()
    {
        foreach (var token in new[] { _world.ResearcherA, _world.Statistician, _world.Monitor, Admin })
            foreach (var path in Views())
            {
                var response = await Api.Get(path, token);
                Assert.That(Leaks(response), Is.False, $"{path}: {response}");
            }
        var cluster = await Api.Get($"{_world.Path}/clusters/{_world.ClusterA}", _world.Monitor);
        var participant = await Api.Get($"{_world.Path}/participants/{_world.ParticipantA}", _world.ResearcherA);
        Assert.Multiple(() =>
        {
            Assert.That(cluster["randomised"].GetValue<bool>(), Is.True);
            Assert.That(cluster.Json!["randomisedAt"], Is.Not.Null);
            Assert.That(cluster.Json!["arm"], Is.Null);
            Assert.That(participant["randomised"].GetValue<bool>(), Is.True);
        });
    }

    [Test]
    public async Task Only_unblinded_roles_list_allocations()
    {
        foreach (var token in new[] { _world.ResearcherA, _world.Statistician, _world.Monitor })
            Assert.That((await Api.Get($"{_world.Path}/randomisation/allocations", token)).Code, Is.EqualTo(403));
        var list = await Api.Get($"{_world.Path}/randomisation/allocations", _world.UnblindedStatistician);
        Assert.That(list.Code, Is.EqualTo(200));
        Assert.That(Leaks(list), Is.True);
    }

    [Test]
    public async Task The_trial_manager_and_unblinded_statistician_see_arms_and_each_view_is_audited()
    {
        foreach (var token in new[] { _world.Manager, _world.UnblindedStatistician })
        {
            Assert.That(Leaks(await Api.Get($"{_world.Path}/clusters/{_world.ClusterA}", token)), Is.True);
            Assert.That(Leaks(await Api.Get($"{_world.Path}/participants/{_world.ParticipantA}", token)), Is.True);
        }
        await Api.Get($"{_world.Path}/randomisation/allocations", _world.Manager);
        var access = await Api.Get($"{_world.Path}/audit?action=access&limit=100", _world.Monitor);
        Assert.That(access["items"].AsArray(), Has.Count.EqualTo(5));
        Assert.That((await Api.Get($"{_world.Path}/audit/verify", _world.Monitor))["valid"].GetValue<bool>(), Is.True);
    }

    [Test]
    public async Task The_audit_trail_shows_blinded_readers_the_allocation_events_with_the_arm_redacted()
    {
        var manager = (await Api.Get($"{_world.Path}/audit?entityType=allocation&limit=100", _world.Manager))["items"].AsArray();
        var monitor = (await Api.Get($"{_world.Path}/audit?entityType=allocation&limit=100", _world.Monitor));
        Assert.Multiple(() =>
        {
            Assert.That(manager, Has.Count.EqualTo(2));
            Assert.That(manager.ToJsonString(), Does.Contain(ArmZulu).Or.Contain(ArmYankee));
            Assert.That(monitor["items"].AsArray(), Has.Count.EqualTo(2), "the events themselves stay visible");
            Assert.That(Leaks(monitor), Is.False);
            Assert.That(monitor.Body, Does.Contain(_world.ClusterA.ToString()), "which cluster was allocated, and when, stays visible");
        });
    }

    [Test]
    public async Task An_unblinding_needs_a_reason_and_shows_the_named_user_only_what_it_unblinds()
    {
        var researcher = (await Api.Get("/me", _world.ResearcherA)).Id;
        var refused = await Api.Post($"{_world.Path}/unblindings", new { clusterId = _world.ClusterA, userId = researcher }, _world.Manager);
        Assert.That(refused.Code, Is.EqualTo(422));
        var other = await _world.ClusterAsync(_world.SiteA);
        await Expect(HttpStatusCode.Created, Api.Post($"{_world.Path}/randomisation/allocations", new { clusterId = other }, _world.Manager));
        await Expect(HttpStatusCode.Created, Api.Post($"{_world.Path}/unblindings",
            new { clusterId = _world.ClusterA, userId = researcher, reason = "serious adverse event review" }, _world.Manager));
        Assert.That(Leaks(await Api.Get($"{_world.Path}/clusters/{_world.ClusterA}", _world.ResearcherA)), Is.True);
        Assert.That(Leaks(await Api.Get($"{_world.Path}/participants/{_world.ParticipantA}", _world.ResearcherA)), Is.True, "the cluster's participants too");
        Assert.That(Leaks(await Api.Get($"{_world.Path}/clusters/{other}", _world.ResearcherA)), Is.False);
        Assert.That(Leaks(await Api.Get($"{_world.Path}/clusters/{_world.ClusterA}", _world.Monitor)), Is.False, "nobody else");
        var audit = await Api.Get($"{_world.Path}/audit?entityType=unblinding", _world.Monitor);
        Assert.That(audit["items"].AsArray(), Has.Count.EqualTo(1));
        Assert.That(audit.Body, Does.Not.Contain("serious adverse event"), "unblinding details are sealed for blinded readers");
    }

    [Test]
    public async Task The_planned_unblinding_of_the_whole_trial_comes_after_lock()
    {
        var statistician = (await Api.Get("/me", _world.Statistician)).Id;
        var early = await Api.Post($"{_world.Path}/unblindings", new { userId = statistician, reason = "final analysis" }, _world.Manager);
        Assert.That(early.Code, Is.EqualTo(409));
        await _world.AdvanceToAsync("locked");
        await Expect(HttpStatusCode.Created, Api.Post($"{_world.Path}/unblindings", new { userId = statistician, reason = "final analysis" }, _world.Manager));
        Assert.That(Leaks(await Api.Get($"{_world.Path}/clusters", _world.Statistician)), Is.True);
    }
}
