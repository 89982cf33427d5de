using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using TrialManager.Tests.Integration;
using TrialManager.Tests.Integration.Outcomes;
using static Microsoft.Playwright.Assertions;
using static TrialManager.Tests.Integration.Outcomes.OutcomeFixture;
using static TrialManager.Tests.Integration.TrialWorld;

namespace TrialManager.Tests.EndToEnd;

/// <summary>
/// The data query workflow in two browsers: a monitor raises a query on an item and verifies the assessment; the
/// researcher sees the flag on the item and answers it in place; the monitor closes and re-opens it and reads the
/// assessment's audit history.
/// </summary>
public sealed class QueryAndMonitorTests() : BrowserTest(Tablet.Landscape)
{
    private const string QprTitle = "Questionnaire about the Process of Recovery";

    [Test]
    public async Task A_monitor_raises_a_query_the_researcher_answers_it_on_the_item_and_the_monitor_closes_it()
    {
        var (world, qprItems) = await OutcomeFixture.CreateAsync(Api, await TrialWorld.CreateAsync(Api, "REFOCUS"));
        var saved = await Expect(HttpStatusCode.Created, Api.Put(AssessmentPath(world, world.ParticipantA, "baseline", "QPR"),
            new { answers = All(qprItems, 2), status = "complete", assessedOn = "2011-06-10" }, world.ResearcherA));
        var externalId = (await Api.Get($"{world.Path}/participants/{world.ParticipantA}", world.Monitor))["externalId"].GetValue<string>();

        // The monitor finds the participant and raises a query on item 3.
        var monitor = Page;
        await SignInAsync(monitor, world.Monitor);
        await monitor.GetByRole(AriaRole.Link, new() { Name = "REFOCUS", Exact = true }).ClickAsync();
        await monitor.GetByLabel("Participant id").FillAsync(externalId);
        await monitor.GetByRole(AriaRole.Button, new() { Name = "Find" }).ClickAsync();
        await Expect(monitor.GetByRole(AriaRole.Heading, new() { Name = $"Participant {externalId}" })).ToBeVisibleAsync();
        await CheckPageAsync(monitor, "monitor-1-participant");
        await monitor.GetByRole(AriaRole.Link, new() { Name = "Baseline" }).ClickAsync();
        var qpr = monitor.GetByRole(AriaRole.Region, new() { Name = QprTitle });
        var item3 = ResearcherJourneyTests.Item(qpr, 3);
        await item3.GetByRole(AriaRole.Button, new() { Name = "Raise a query on item 3" }).ClickAsync();
        await item3.GetByLabel("Question about item 3").FillAsync("The source says 3, not 2: please check.");
        await item3.GetByRole(AriaRole.Button, new() { Name = "Raise query", Exact = true }).ClickAsync();
        await Expect(item3.GetByText("Query (open)", new() { Exact = false })).ToBeVisibleAsync();
        await qpr.GetByRole(AriaRole.Button, new() { Name = "Mark verified" }).ClickAsync();
        await Expect(qpr.GetByText("Marked as source-data verified.")).ToBeVisibleAsync();
        await CheckPageAsync(monitor, "monitor-2-visit-query-raised");
        Assert.That((await Api.Get($"{world.Path}/participants/{world.ParticipantA}/assessments", world.Monitor))["items"].AsArray()
            .Single(a => a!["id"]!.GetValue<Guid>() == saved.Id)!["status"]!.GetValue<string>(), Is.EqualTo("verified"));

        // The researcher, on another tablet, finds it among their open queries and answers it on the item.
        var researcher = await (await NewContextAsync(Tablet.Portrait)).NewPageAsync();
        await SignInAsync(researcher, world.ResearcherA);
        await researcher.GotoAsync($"/app/#/trials/{world.TrialId}/queries");
        await Expect(researcher.GetByRole(AriaRole.Heading, new() { Name = "Queries" })).ToBeVisibleAsync();
        await Expect(researcher.GetByRole(AriaRole.Cell, new() { Name = "The source says 3, not 2: please check." })).ToBeVisibleAsync();
        await CheckPageAsync(researcher, "researcher-queries");
        await researcher.GetByRole(AriaRole.Link, new() { NameRegex = new Regex($"{externalId} · baseline") }).ClickAsync();
        var flagged = ResearcherJourneyTests.Item(researcher.GetByRole(AriaRole.Region, new() { Name = QprTitle }), 3);
        await Expect(flagged.GetByText("The source says 3, not 2: please check.")).ToBeVisibleAsync();
        await CheckPageAsync(researcher, "researcher-visit-query-flag");
        await flagged.GetByLabel("Your answer").FillAsync("Checked the paper form: 2 is right.");
        await flagged.GetByRole(AriaRole.Button, new() { Name = "Send answer" }).ClickAsync();
        await Expect(flagged.GetByText("Query (answered)", new() { Exact = false })).ToBeVisibleAsync();

        // The monitor closes it, re-opens it, and reads the assessment's history.
        await monitor.ReloadAsync();
        var answered = ResearcherJourneyTests.Item(monitor.GetByRole(AriaRole.Region, new() { Name = QprTitle }), 3);
        await Expect(answered.GetByText("Checked the paper form: 2 is right.")).ToBeVisibleAsync();
        await answered.GetByRole(AriaRole.Button, new() { Name = "Close query" }).ClickAsync();
        await Expect(answered.GetByText("Query (closed)", new() { Exact = false })).ToBeVisibleAsync();
        await answered.GetByLabel("Note (optional)").FillAsync("The source has a second page.");
        await answered.GetByRole(AriaRole.Button, new() { Name = "Re-open query" }).ClickAsync();
        await Expect(answered.GetByText("Query (open)", new() { Exact = false })).ToBeVisibleAsync();
        var queries = (await Api.Get($"{world.Path}/queries", world.Monitor))["items"].AsArray();
        Assert.That(queries.Single()!["status"]!.GetValue<string>(), Is.EqualTo("open"));

        await monitor.GetByRole(AriaRole.Link, new() { Name = "Audit history" }).First.ClickAsync();
        await Expect(monitor.GetByRole(AriaRole.Heading, new() { Name = "Audit history of the assessment" })).ToBeVisibleAsync();
        await Expect(monitor.GetByRole(AriaRole.Listitem).First).ToBeVisibleAsync();
        await CheckPageAsync(monitor, "monitor-3-audit-history");
    }
}
