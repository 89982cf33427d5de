using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using TrialManager.Tests.Integration;
using TrialManager.Tests.Integration.Outcomes;
using static Microsoft.Playwright.Assertions;
using static TrialManager.Tests.Integration.Outcomes.OutcomeFixture;
using static TrialManager.Tests.Integration.TrialWorld;

namespace TrialManager.Tests.EndToEnd;

/// <summary>
/// Saving in a clinic with a poor network and colleagues at work: a concurrent change is shown beside this one, never
/// overwritten; a dropped connection, a reload or a double click neither loses answers nor saves twice.
/// </summary>
public sealed class SavingTests() : BrowserTest(Tablet.Landscape)
{
    private const string QprTitle = "Questionnaire about the Process of Recovery";
    private TrialWorld _world = null!;
    private List<string> _qpr = null!;

    [SetUp]
    public async Task TrialAsync() => (_world, _qpr) = await OutcomeFixture.CreateAsync(Api, await TrialWorld.CreateAsync(Api, "REFOCUS"));

    private string Visit(string timepoint = "baseline") => $"/app/#/trials/{_world.TrialId}/participants/{_world.ParticipantA}/visits/{timepoint}";

    private async Task<JsonNode?> QprAsync() =>
        (await Expect(HttpStatusCode.OK, Api.Get($"{_world.Path}/participants/{_world.ParticipantA}/assessments", _world.ResearcherA)))["items"]
        .AsArray().SingleOrDefault(a => a!["instrumentCode"]!.GetValue<string>() == "QPR" && a["timepointCode"]!.GetValue<string>() == "baseline");

    [Test]
    public async Task A_concurrent_change_is_shown_beside_mine_and_each_item_keeps_the_answer_that_changed_it()
    {
        var first = await Expect(HttpStatusCode.Created, Api.Put(AssessmentPath(_world, _world.ParticipantA, "baseline", "QPR"),
            new { answers = All(_qpr, 2), status = "complete", assessedOn = "2011-06-10" }, _world.ResearcherA));
        await SignInAsync(Page, _world.ResearcherA);
        await Page.GotoAsync(Visit());
        var qpr = Page.GetByRole(AriaRole.Region, new() { Name = QprTitle });
        await qpr.GetByRole(AriaRole.Button, new() { Name = "Change answers" }).ClickAsync();
        await Page.GetByLabel("Reason for change").FillAsync("Item 1 re-read");
        await Page.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Continue" }).ClickAsync();
        await ResearcherJourneyTests.Item(qpr, 1).GetByRole(AriaRole.Radio, new() { Name = "4", Exact = true }).CheckAsync();

        // Meanwhile a colleague changes item 2 from another tablet.
        var theirs = All(_qpr, 2);
        theirs[_qpr[1]] = 0;
        var colleague = await Api.Send(HttpMethod.Put, AssessmentPath(_world, _world.ParticipantA, "baseline", "QPR"),
            System.Net.Http.Json.JsonContent.Create(new { answers = theirs, status = "complete", assessedOn = "2011-06-10", reason = "Item 2 re-read" }),
            _world.ResearcherA, request => request.Headers.IfMatch.ParseAdd(first.Headers.ETag!.Tag));
        Assert.That(colleague.Code, Is.EqualTo(200), colleague.ToString());

        await qpr.GetByRole(AriaRole.Button, new() { Name = "Save changes" }).ClickAsync();
        var conflict = Page.GetByRole(AriaRole.Alert).Filter(new() { HasText = "Someone else changed this assessment" });
        await Expect(conflict).ToBeVisibleAsync();
        // Both versions of both differing items are shown; nothing was overwritten.
        var rows = conflict.GetByRole(AriaRole.Row);
        await Expect(rows).ToHaveCountAsync(3);
        await Expect(conflict.GetByRole(AriaRole.Row, new() { Name = "QPR item 1" })).ToContainTextAsync("4");
        await Expect(conflict.GetByRole(AriaRole.Row, new() { Name = "QPR item 2" })).ToContainTextAsync("0");
        Assert.That((await QprAsync())!["answers"]![_qpr[0]]!.GetValue<double>(), Is.EqualTo(2), "not overwritten");
        await ScreenshotAsync(Page, "saving-conflict");
        await AssertAccessibleAsync(Page, "saving-conflict");

        ExpectOnlyRefusals(412);
        await conflict.GetByRole(AriaRole.Button, new() { Name = "Use the chosen answers" }).ClickAsync();
        await qpr.GetByRole(AriaRole.Button, new() { Name = "Save changes" }).ClickAsync();
        await Expect(qpr.GetByText(new Regex("Saved as complete"))).ToBeVisibleAsync();
        var merged = (await QprAsync())!;
        Assert.Multiple(() =>
        {
            Assert.That(merged["answers"]![_qpr[0]]!.GetValue<double>(), Is.EqualTo(4), "my change");
            Assert.That(merged["answers"]![_qpr[1]]!.GetValue<double>(), Is.EqualTo(0), "their change");
            Assert.That(merged["revision"]!.GetValue<int>(), Is.EqualTo(3));
        });
    }

    [Test]
    public async Task A_draft_goes_to_the_server_quietly_once_the_user_pauses_and_the_focus_stays_where_it_was()
    {
        await Page.Clock.InstallAsync();
        await SignInAsync(Page, _world.ResearcherA);
        await Page.GotoAsync(Visit());
        var qpr = Page.GetByRole(AriaRole.Region, new() { Name = QprTitle });
        await ResearcherJourneyTests.Item(qpr, 1).GetByRole(AriaRole.Radio, new() { Name = "1", Exact = true }).CheckAsync();
        await Page.Clock.RunForAsync(15_000);
        await ResearcherJourneyTests.Item(qpr, 2).GetByRole(AriaRole.Radio, new() { Name = "2", Exact = true }).CheckAsync();
        await Page.Clock.RunForAsync(15_000);
        Assert.That(await QprAsync(), Is.Null, "each change restarts the pause");

        await Page.Clock.RunForAsync(10_000);
        await Expect(qpr.GetByRole(AriaRole.Status).Filter(new() { HasText = "Draft saved at" })).ToBeVisibleAsync();
        var draft = (await QprAsync())!;
        Assert.Multiple(() =>
        {
            Assert.That(draft["status"]!.GetValue<string>(), Is.EqualTo("draft"));
            Assert.That(draft["answers"]![_qpr[1]]!.GetValue<double>(), Is.EqualTo(2));
        });
        await Expect(ResearcherJourneyTests.Item(qpr, 2).GetByRole(AriaRole.Radio, new() { Name = "2", Exact = true })).ToBeFocusedAsync();

        await Page.Clock.RunForAsync(120_000);
        Assert.That((await QprAsync())!["revision"]!.GetValue<int>(), Is.EqualTo(1), "nothing new, nothing saved");
    }

    [Test]
    public async Task Answers_survive_a_reload_and_a_dropped_connection_and_a_double_click_saves_once()
    {
        var saves = new ConcurrentQueue<(string Key, string IfMatch)>();
        Page.Request += (_, request) =>
        {
            if (request.Method == "PUT" && request.Url.Contains("/assessments/"))
                saves.Enqueue((request.Headers.GetValueOrDefault("idempotency-key", ""), request.Headers.GetValueOrDefault("if-match", "")));
        };
        await SignInAsync(Page, _world.ResearcherA);
        await Page.GotoAsync(Visit());
        var qpr = Page.GetByRole(AriaRole.Region, new() { Name = QprTitle });
        for (var number = 1; number <= 3; number++)
            await ResearcherJourneyTests.Item(qpr, number).GetByRole(AriaRole.Radio, new() { Name = "3", Exact = true }).CheckAsync();

        await Page.ReloadAsync();
        await Expect(qpr.GetByText(new Regex("Unsaved answers from .* were restored from this device"))).ToBeVisibleAsync();
        await Expect(ResearcherJourneyTests.Item(qpr, 3).GetByRole(AriaRole.Radio, new() { Name = "3", Exact = true })).ToBeCheckedAsync();
        await Expect(qpr.GetByText("3 of 22 answered")).ToBeVisibleAsync();

        // Offline: the save is tried again with its key until the connection returns, and stored once.
        await Page.Context.SetOfflineAsync(true);
        await qpr.GetByRole(AriaRole.Button, new() { Name = "Save draft" }).ClickAsync();
        await Expect(Page.GetByText("You are offline.", new() { Exact = false })).ToBeVisibleAsync();
        await Page.Context.SetOfflineAsync(false);
        await Expect(qpr.GetByText(new Regex("Draft saved at"))).ToBeVisibleAsync(new() { Timeout = 30_000 });
        Assert.That(TakeBrowserErrors(), Is.Not.Empty.And.All.Contains("ERR_INTERNET_DISCONNECTED"), "the tries while offline, and nothing else");
        var draft = (await QprAsync())!;
        Assert.That(draft["revision"]!.GetValue<int>(), Is.EqualTo(1));
        Assert.That(draft["answers"]![_qpr[2]]!.GetValue<double>(), Is.EqualTo(3));

        await ResearcherJourneyTests.Item(qpr, 4).GetByRole(AriaRole.Radio, new() { Name = "1", Exact = true }).CheckAsync();
        await qpr.GetByRole(AriaRole.Button, new() { Name = "Save draft" }).DblClickAsync();
        await Expect(qpr.GetByText("4 of 22 answered")).ToBeVisibleAsync();
        await Expect(qpr.GetByText(new Regex("Draft saved at"))).ToBeVisibleAsync();
        var after = (await QprAsync())!;
        Assert.That(after["revision"]!.GetValue<int>(), Is.EqualTo(2), "a double click saves once");
        var sent = saves.ToList();
        Assert.Multiple(() =>
        {
            Assert.That(sent.Select(s => s.Key), Has.All.Not.Empty, "every save carries an Idempotency-Key");
            Assert.That(sent.Select(s => s.Key).Distinct().Count(), Is.EqualTo(2), $"one key per save, the same on its retries: {string.Join(", ", sent)}");
            Assert.That(sent.Last().IfMatch, Is.EqualTo(draft["eTag"]!.GetValue<string>()), "the second save names the version it was typed over");
        });
    }
}
