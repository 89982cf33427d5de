using System.Net;
using static TrialManager.Tests.Integration.TrialWorld;

namespace TrialManager.Tests.Integration.Trials;

public sealed class TrialTests : IntegrationTest
{
    private static object Refocus(string code = "REFOCUS") => new
    {
        code, title = "REFOCUS", registration = "ISRCTN02507940",
        arms = new[] { new { code = "intervention", label = "REFOCUS", ratio = 2 }, new { code = "control", label = "Usual care", ratio = 1 } },
    };

    [Test]
    public async Task Admin_creates_a_trial_in_setup_with_its_arms_and_a_location()
    {
        var created = await Expect(HttpStatusCode.Created, Api.Post("/trials", Refocus(), Admin));
        Assert.Multiple(() =>
        {
            Assert.That(created.Headers.Location?.ToString(), Is.EqualTo($"/api/v1/trials/{created.Id}"));
            Assert.That(created["status"].GetValue<string>(), Is.EqualTo("setup"));
            Assert.That(created["arms"].AsArray().Select(a => $"{a!["code"]}:{a["ratio"]}"), Is.EqualTo(new[] { "intervention:2", "control:1" }));
        });
        var read = await Api.Get($"/trials/{created.Id}", Admin);
        Assert.That(read.Body, Is.EqualTo(created.Body), "the created answer equals what is read back");
    }

    [Test]
    public async Task Creating_a_trial_grants_nobody_a_role()
    {
        var created = await Expect(HttpStatusCode.Created, Api.Post("/trials", Refocus(), Admin));
        var members = await Api.Get($"/trials/{created.Id}/members", Admin);
        Assert.That(members["items"].AsArray(), Is.Empty);
        var participants = await Api.Get($"/trials/{created.Id}/participants", Admin);
        Assert.That(participants.Code, Is.EqualTo(403), "the admin sees no trial data without a role");
    }

    [Test]
    public async Task A_duplicate_trial_code_is_a_409_naming_the_field()
    {
        await Expect(HttpStatusCode.Created, Api.Post("/trials", Refocus(), Admin));
        var again = await Api.Post("/trials", Refocus(), Admin);
        Assert.That(again.Code, Is.EqualTo(409));
        Assert.That(again["errors"]["code"], Is.Not.Null);
    }

    [Test]
    public async Task An_invalid_trial_reports_every_broken_rule_with_its_field_and_writes_nothing()
    {
        var response = await Api.Post("/trials", new
        {
            code = "has space", title = "",
            arms = new[] { new { code = "a", label = "A", ratio = 0 }, new { code = "A", label = "", ratio = 1 } },
        }, Admin);
        Assert.That(response.Code, Is.EqualTo(422));
        var fields = response["violations"].AsArray().Select(v => $"{v!["field"]}/{v["rule"]}").ToList();
        Assert.That(fields, Is.SupersetOf(new[] { "code/regular-expression", "title/not-empty", "arms[0].ratio/inclusive-between", "arms[1].label/not-empty", "arms/unique" }));
        Assert.That(await Db.ScalarAsync<long>("SELECT count(*) FROM trials"), Is.Zero);
    }

    [Test]
    public async Task Trial_lists_are_paged_with_a_cursor_and_filtered_by_status()
    {
        for (var i = 0; i < 5; i++)
            await Expect(HttpStatusCode.Created, Api.Post("/trials", Refocus($"T{i}"), Admin));
        var first = await Api.Get("/trials?limit=2", Admin);
        var cursor = first["nextCursor"].GetValue<string>();
        var second = await Api.Get($"/trials?limit=2&cursor={cursor}", Admin);
        var third = await Api.Get($"/trials?limit=2&cursor={second["nextCursor"].GetValue<string>()}", Admin);
        var codes = new[] { first, second, third }.SelectMany(p => p["items"].AsArray().Select(t => t!["code"]!.GetValue<string>())).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(codes, Is.EqualTo(new[] { "T0", "T1", "T2", "T3", "T4" }));
            Assert.That(third.Json!["nextCursor"], Is.Null);
        });
        Assert.That((await Api.Get("/trials?status=recruiting", Admin))["items"].AsArray(), Is.Empty);
        Assert.That((await Api.Get("/trials?status=bogus", Admin)).Code, Is.EqualTo(422));
        Assert.That((await Api.Get("/trials?cursor=not-a-cursor", Admin)).Code, Is.EqualTo(422));
    }

    [Test]
    public async Task Page_size_is_capped()
    {
        for (var i = 0; i < 3; i++)
            await Expect(HttpStatusCode.Created, Api.Post("/trials", Refocus($"T{i}"), Admin));
        var page = await Api.Get("/trials?limit=1000000", Admin);
        Assert.That(page.Code, Is.EqualTo(200));
        Assert.That((await Api.Get("/trials?limit=0", Admin)).Code, Is.EqualTo(422));
    }

    [Test]
    public async Task A_member_lists_only_their_own_trials()
    {
        var world = await NewTrialAsync("REFOCUS");
        await Expect(HttpStatusCode.Created, Api.Post("/trials", Refocus("OTHER"), Admin));
        var mine = await Api.Get("/trials", world.Monitor);
        Assert.That(mine["items"].AsArray().Select(t => t!["code"]!.GetValue<string>()), Is.EqualTo(new[] { "REFOCUS" }));
    }

    [Test]
    public async Task Status_moves_one_step_at_a_time_with_a_reason()
    {
        var world = await NewTrialAsync();
        var noReason = await Api.Patch(world.Path, new { status = "recruiting" }, world.Manager);
        Assert.That(noReason.Code, Is.EqualTo(422));
        Assert.That(noReason["errors"]["reason"], Is.Not.Null);
        var skip = await Api.Patch(world.Path, new { status = "follow-up", reason = "skip" }, world.Manager);
        Assert.That(skip.Code, Is.EqualTo(409));
        var step = await Api.Patch(world.Path, new { status = "recruiting", reason = "ethics approved" }, world.Manager);
        Assert.That(step["status"].GetValue<string>(), Is.EqualTo("recruiting"));
        var back = await Api.Patch(world.Path, new { status = "setup", reason = "undo" }, world.Manager);
        Assert.That(back.Code, Is.EqualTo(409));
    }

    [Test]
    public async Task Arms_change_only_in_setup()
    {
        var world = await NewTrialAsync();
        var arms = new[] { new { code = "pro", label = "Pro-recovery", ratio = 1 }, new { code = "usual", label = "Usual", ratio = 1 } };
        var changed = await Api.Patch(world.Path, new { arms }, world.Manager);
        Assert.That(changed["arms"].AsArray().Select(a => a!["code"]!.GetValue<string>()), Is.EqualTo(new[] { "pro", "usual" }));
        var same = await Api.Patch(world.Path, new { arms }, world.Manager);
        Assert.That(same.Code, Is.EqualTo(200), "replacing arms with the same codes does not collide with the old rows");
        await world.AdvanceToAsync("recruiting");
        Assert.That((await Api.Patch(world.Path, new { arms }, world.Manager)).Code, Is.EqualTo(409));
    }

    [Test]
    public async Task A_locked_trial_refuses_every_write_and_still_answers_reads()
    {
        var world = await NewTrialAsync();
        await world.AdvanceToAsync("locked");
        var writes = new[]
        {
            await Api.Patch(world.Path, new { title = "x" }, world.Manager),
            await Api.Post($"{world.Path}/sites", new { code = "NEW", name = "New" }, world.Manager),
            await Api.Patch($"{world.Path}/sites/{world.SiteA}", new { name = "New" }, world.Manager),
            await Api.Post($"{world.Path}/clusters", new { code = "NEW", siteId = world.SiteA }, world.Manager),
            await Api.Patch($"{world.Path}/clusters/{world.ClusterA}", new { code = "NEW" }, world.Manager),
            await Api.Post($"{world.Path}/participants", NewParticipant(world.ClusterA), world.ResearcherA),
            await Api.Patch($"{world.Path}/participants/{world.ParticipantA}", new { status = "lost", reason = "r" }, world.ResearcherA),
        };
        Assert.That(writes.Select(w => w.Code), Is.All.EqualTo(409), string.Join("\n", writes.Select(w => w.ToString())));
        Assert.That((await Api.Get($"{world.Path}/participants/{world.ParticipantA}", world.Monitor)).Code, Is.EqualTo(200));
    }
}
