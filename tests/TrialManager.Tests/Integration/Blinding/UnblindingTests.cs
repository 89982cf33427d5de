using System.Net;
using TrialManager.Tests.Integration.Exports;
using static TrialManager.Tests.Integration.TrialWorld;

namespace TrialManager.Tests.Integration.Blinding;

/// <summary>
/// An unblinding reveals what it names and nothing more: not another cluster's arm when its participant moves, not
/// the whole trial through someone's masked extracts; and the planned unblinding of the whole trial shows arms
/// everywhere an unblinded role sees them.
/// </summary>
public sealed class UnblindingTests : IntegrationTest
{
    private TrialWorld _world = null!;
    private Guid _clusterA2;
    private Guid _clusterA3;

    [SetUp]
    public async Task RandomisedTrialAsync()
    {
        _world = await NewTrialAsync();
        _clusterA2 = await _world.ClusterAsync(_world.SiteA);
        _clusterA3 = await _world.ClusterAsync(_world.SiteA);
        await Expect(HttpStatusCode.OK, Api.Put($"{_world.Path}/randomisation/scheme", new { method = "simple" }, _world.Manager));
        await Expect(HttpStatusCode.OK, Api.Post($"{_world.Path}/randomisation/scheme/seal", new { }, _world.Manager));
        foreach (var cluster in new[] { _world.ClusterA, _world.ClusterB, _clusterA2, _clusterA3 })
            await Expect(HttpStatusCode.Created, Api.Post($"{_world.Path}/randomisation/allocations", new { clusterId = cluster }, _world.Manager));
    }

    private static string? Arm(ApiResponse view) => view.Json!["arm"]?.GetValue<string>();

    private static bool Leaks(ApiResponse response) => response.Body.Contains(ArmZulu) || response.Body.Contains(ArmYankee);

    private async Task<Guid> UserIdAsync(string token) => (await Api.Get("/me", token)).Id;

    private Task<ApiResponse> UnblindAsync(object body) => Api.Post($"{_world.Path}/unblindings", body, _world.Manager);

    private static void AssertRefused(ApiResponse response, string field, string rule)
    {
        Assert.That(response.Code, Is.EqualTo(422), response.ToString());
        Assert.That(response.ContentType, Is.EqualTo("application/problem+json"));
        Assert.That(response.Body, Does.Contain($"\"{field}\"").And.Contain(rule), response.ToString());
    }

    [Test]
    public async Task A_participants_unblinding_stays_with_the_cluster_they_were_in_when_they_move()
    {
        var researcher = await UserIdAsync(_world.ResearcherA);
        await Expect(HttpStatusCode.Created, UnblindAsync(new { participantId = _world.ParticipantA, userId = researcher, reason = "allergic reaction" }));
        var participant = $"{_world.Path}/participants/{_world.ParticipantA}";
        var armOfA = Arm(await Api.Get(participant, _world.ResearcherA));
        Assert.That(armOfA, Is.AnyOf(ArmZulu, ArmYankee), "the named participant's arm is shown");
        Assert.That(Leaks(await Api.Get($"{_world.Path}/clusters/{_world.ClusterA}", _world.ResearcherA)), Is.False, "the cluster was not named");

        foreach (var (cluster, why) in new[] { (_clusterA2, "moved to the early-intervention team"), (_clusterA3, "moved again") })
        {
            var moved = await Expect(HttpStatusCode.OK, Api.Patch(participant, new { clusterId = cluster, reason = why }, _world.ResearcherA));
            Assert.That(Leaks(moved), Is.False, "the move's answer shows no arm of the new cluster");
            Assert.That(Leaks(await Api.Get(participant, _world.ResearcherA)), Is.False, "nor does the participant afterwards");
            Assert.That(Leaks(await Api.Get($"{_world.Path}/clusters/{cluster}", _world.ResearcherA)), Is.False);
            Assert.That(Leaks(await Api.Get($"{_world.Path}/participants?clusterId={cluster}", _world.ResearcherA)), Is.False);
        }
        var back = await Expect(HttpStatusCode.OK, Api.Patch(participant, new { clusterId = _world.ClusterA, reason = "moved back" }, _world.ResearcherA));
        Assert.That(Arm(back), Is.EqualTo(armOfA), "back in the unblinded cluster, the arm shows again");

        var moves = (await Api.Get($"{_world.Path}/audit?entityType=participant&entityId={_world.ParticipantA}&action=update&order=oldest", _world.Monitor))["items"].AsArray();
        Assert.That(moves.Select(m => m!["reason"]!.GetValue<string>()), Is.EqualTo(new[] { "moved to the early-intervention team", "moved again", "moved back" }));
        Assert.That(moves.Select(m => m!["changes"]![0]!["new"]!.GetValue<Guid>()), Is.EqualTo(new[] { _clusterA2, _clusterA3, _world.ClusterA }));
        var unblinding = (await Api.Get($"{_world.Path}/audit?entityType=unblinding", _world.Manager))["items"]![0]!["changes"]!.AsArray();
        Assert.That(unblinding.Single(c => c!["field"]!.GetValue<string>() == "clusterId")!["new"]!.GetValue<Guid>(), Is.EqualTo(_world.ClusterA),
            "the unblinding keeps the cluster the participant was in");
    }

    [Test]
    public async Task Readers_of_masked_extracts_or_the_audit_trail_cannot_be_unblinded_for_one_cluster()
    {
        var admin = await Expect(HttpStatusCode.Created, Api.Post("/users",
            new { userName = Unique("sysadmin"), displayName = "Admin", email = "a@example.org", systemRole = "admin" }, Admin));
        await Expect(HttpStatusCode.Created, Api.Put($"{_world.Path}/members/{admin.Id}", new { role = "researcher", siteIds = new[] { _world.SiteA } }, Admin));
        var (outsider, _) = await NewUserAsync(Api, "clinician");
        foreach (var token in new[] { _world.Statistician, _world.Monitor })
        {
            AssertRefused(await UnblindAsync(new { clusterId = _world.ClusterA, userId = await UserIdAsync(token), reason = "adverse event" }),
                "userId", "whole-trial-only");
            AssertRefused(await UnblindAsync(new { participantId = _world.ParticipantA, userId = await UserIdAsync(token), reason = "adverse event" }),
                "userId", "whole-trial-only");
        }
        AssertRefused(await UnblindAsync(new { clusterId = _world.ClusterA, userId = admin.Id, reason = "adverse event" }), "userId", "whole-trial-only");
        AssertRefused(await UnblindAsync(new { clusterId = _world.ClusterA, userId = outsider, reason = "adverse event" }), "userId", "member");
        Assert.That(await Db.ScalarAsync<long>("SELECT count(*) FROM unblindings"), Is.Zero, "a refused unblinding records nothing");

        var researcher = await UserIdAsync(_world.ResearcherA);
        await Expect(HttpStatusCode.Created, UnblindAsync(new { clusterId = _world.ClusterA, userId = researcher, reason = "adverse event" }));
        foreach (var role in new[] { "statistician", "monitor" })
            AssertRefused(await Api.Put($"{_world.Path}/members/{researcher}", new { role }, Admin), "role", "partially-unblinded");
        Assert.That((await Api.Get("/me", _world.ResearcherA)).Body, Does.Contain("researcher"), "the refused grant changed nothing");
        await Expect(HttpStatusCode.OK, Api.Put($"{_world.Path}/members/{researcher}", new { role = "trial-manager" }, Admin));
    }

    [Test]
    public async Task A_whole_trial_unblinding_shows_arms_in_every_view_report_and_extract()
    {
        await _world.AdvanceToAsync("locked");
        foreach (var token in new[] { _world.Statistician, _world.Monitor })
            await Expect(HttpStatusCode.Created, UnblindAsync(new { userId = await UserIdAsync(token), reason = "final analysis" }));

        var s = _world.Statistician;
        Assert.Multiple(async () =>
        {
            Assert.That(Leaks(await Api.Get($"{_world.Path}/clusters", s)), Is.True, "clusters");
            Assert.That(Leaks(await Api.Get($"{_world.Path}/participants", s)), Is.True, "participants");
            var consort = await Api.Get($"{_world.Path}/reports/consort", s);
            Assert.That(consort["perArm"].GetValue<bool>(), Is.True, "CONSORT per arm");
            Assert.That(Leaks(consort), Is.True);
            Assert.That((await Api.Get($"{_world.Path}/reports/blinding", s)).Json!["perArm"], Is.Not.Null, "blinding report per arm");
            Assert.That((await Api.Get($"{_world.Path}/randomisation/allocations", s)).Code, Is.EqualTo(200), "allocations");
            Assert.That((await Api.Get($"{_world.Path}/randomisation/reveal", s)).Code, Is.EqualTo(200), "the sealed scheme");
            var audit = await Api.Get($"{_world.Path}/audit?entityType=allocation", _world.Monitor);
            Assert.That(Leaks(audit), Is.True, "the monitor's audit trail opens the sealed arms");
        });

        var export = await ExportWorld.ExportAsync(Api, _world, s, new { format = "csv", blinded = false });
        Assert.That(export["blinded"]!.GetValue<bool>(), Is.False, "an unblinded extract, as asked");
        var (status, bytes, _, _) = await ExportWorld.FileAsync(Api, export["id"]!.GetValue<Guid>(), s);
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(string.Concat(ExportWorld.Entries(bytes).Values), Does.Contain(ArmZulu).Or.Contain(ArmYankee));
        var defaulted = await ExportWorld.ExportAsync(Api, _world, s, new { format = "csv" });
        Assert.That(defaulted["blinded"]!.GetValue<bool>(), Is.True, "blinded unless asked otherwise, as for unblinded roles");

        // Nobody else gained anything.
        Assert.That(Leaks(await Api.Get($"{_world.Path}/clusters", _world.ResearcherA)), Is.False);
        var (_, colleague) = await _world.MemberAsync("statistician");
        var blindedExport = await ExportWorld.ExportAsync(Api, _world, colleague, new { format = "csv", blinded = false });
        Assert.That(blindedExport["blinded"]!.GetValue<bool>(), Is.True, "another statistician's extract stays blinded");
    }

    [Test]
    public async Task Before_lock_nobody_is_unblinded_for_the_whole_trial()
    {
        var refused = await UnblindAsync(new { userId = await UserIdAsync(_world.Statistician), reason = "curious" });
        Assert.That(refused.Code, Is.EqualTo(409));
        Assert.That(Leaks(await Api.Get($"{_world.Path}/clusters", _world.Statistician)), Is.False);
    }
}
