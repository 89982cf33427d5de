using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using TrialManager.Tests.Integration;
using TrialManager.Tests.Integration.Outcomes;
using static Microsoft.Playwright.Assertions;
using static TrialManager.Tests.Integration.TrialWorld;

namespace TrialManager.Tests.EndToEnd;

/// <summary>
/// A researcher's day in the browser: the worklist, enrolling, a whole QPR entered with the keyboard, the messages
/// that stop a save, completing, and changing a complete assessment with a reason. Run on a tablet held both ways.
/// </summary>
[TestFixture(Tablet.Landscape)]
[TestFixture(Tablet.Portrait)]
public sealed partial class ResearcherJourneyTests(Tablet tablet) : BrowserTest(tablet)
{
    private const string QprTitle = "Questionnaire about the Process of Recovery";

    [Test]
    public async Task A_researcher_enrols_enters_a_whole_QPR_with_the_keyboard_and_changes_it_with_a_reason()
    {
        var (world, qprItems) = await OutcomeFixture.CreateAsync(Api, await TrialWorld.CreateAsync(Api, "REFOCUS"));
        var page = Page;
        var shot = $"researcher-{Tablet}";
        await SignInAsync(page, world.ResearcherA);
        await CheckPageAsync(page, $"{shot}-1-trials");

        await page.GetByRole(AriaRole.Link, new() { Name = "REFOCUS", Exact = true }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Follow-up worklist" })).ToBeVisibleAsync();
        // The seeded participant's visits (baseline 2011) are long overdue, and shown so.
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Overdue" })).ToBeVisibleAsync();
        await CheckPageAsync(page, $"{shot}-2-trial-worklist");

        await page.GetByRole(AriaRole.Link, new() { Name = "Enrol a participant" }).ClickAsync();
        await page.GetByLabel("Participant id").FillAsync("P-E2E-1");
        await CheckPageAsync(page, $"{shot}-3-enrol");
        await page.GetByRole(AriaRole.Button, new() { Name = "Enrol", Exact = true }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Participant P-E2E-1" })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Visit schedule" })).ToBeVisibleAsync();
        await CheckPageAsync(page, $"{shot}-4-participant");
        var participantId = (await Api.Get($"{world.Path}/participants?externalId=P-E2E-1", world.ResearcherA))["items"].AsArray().Single()!["id"]!.GetValue<Guid>();

        await page.GetByRole(AriaRole.Link, new() { Name = "Baseline" }).ClickAsync();
        var qpr = page.GetByRole(AriaRole.Region, new() { Name = QprTitle });
        await Expect(qpr).ToBeVisibleAsync();
        await CheckPageAsync(page, $"{shot}-5-visit-empty");

        // Every item but the last by the keyboard only: a number key chooses, Tab goes on to the next item.
        await Item(qpr, 1).GetByRole(AriaRole.Radio).First.FocusAsync();
        for (var number = 1; number < qprItems.Count; number++)
        {
            await page.Keyboard.PressAsync(ValueOf(number).ToString());
            await page.Keyboard.PressAsync("Tab");
        }
        await Expect(qpr.GetByText($"{qprItems.Count - 1} of {qprItems.Count} answered")).ToBeVisibleAsync();
        await Expect(Item(qpr, 3).GetByRole(AriaRole.Radio, new() { Name = ValueOf(3).ToString(), Exact = true })).ToBeCheckedAsync();

        // Complete asks for the required item still empty, on the item.
        await qpr.GetByRole(AriaRole.Button, new() { Name = "Complete", Exact = true }).ClickAsync();
        await Expect(Item(qpr, qprItems.Count).GetByText("Required: choose an answer or a missing-data code.")).ToBeVisibleAsync();
        await Expect(Item(qpr, qprItems.Count).GetByRole(AriaRole.Group)).ToHaveAccessibleDescriptionAsync("Required: choose an answer or a missing-data code.");
        await Expect(qpr.GetByRole(AriaRole.Link, new() { Name = $"QPR item {qprItems.Count}" })).ToBeVisibleAsync();
        await Expect(qpr.GetByText("Not saved: 1 problem needs attention.")).ToBeVisibleAsync();
        await CheckPageAsync(page, $"{shot}-6-visit-required-item");
        await Item(qpr, qprItems.Count).GetByRole(AriaRole.Radio).First.FocusAsync();
        await page.Keyboard.PressAsync(ValueOf(qprItems.Count).ToString());

        // The server's validation: an assessment dated tomorrow is refused, and the message says why.
        var tomorrow = DateTime.UtcNow.AddDays(1).ToString("yyyy-MM-dd");
        await qpr.GetByLabel("Assessed on").FillAsync(tomorrow);
        await qpr.GetByRole(AriaRole.Button, new() { Name = "Complete", Exact = true }).ClickAsync();
        await Expect(qpr.GetByText("An assessment cannot be dated in the future.")).ToBeVisibleAsync();
        await CheckPageAsync(page, $"{shot}-7-visit-server-validation");
        Assert.That(await Assessments(world, participantId), Is.Empty, "a refused save leaves nothing");
        ExpectOnlyRefusals(422);

        await qpr.GetByLabel("Assessed on").FillAsync(DateTime.UtcNow.ToString("yyyy-MM-dd"));
        await qpr.GetByRole(AriaRole.Button, new() { Name = "Complete", Exact = true }).ClickAsync();
        await Expect(qpr.GetByText(new Regex("Saved as complete"))).ToBeVisibleAsync();
        var saved = (await Assessments(world, participantId)).Single(a => a["instrumentCode"]!.GetValue<string>() == "QPR");
        Assert.Multiple(() =>
        {
            Assert.That(saved["status"]!.GetValue<string>(), Is.EqualTo("complete"));
            Assert.That(saved["revision"]!.GetValue<int>(), Is.EqualTo(1), "saved once");
            for (var number = 1; number <= qprItems.Count; number++)
                Assert.That(saved["answers"]![qprItems[number - 1]]!.GetValue<double>(), Is.EqualTo(ValueOf(number)), $"item {number}");
        });
        await CheckPageAsync(page, $"{shot}-8-visit-complete");

        // Changing a complete assessment asks for the reason first.
        await qpr.GetByRole(AriaRole.Button, new() { Name = "Change answers" }).ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog);
        await Expect(dialog).ToBeVisibleAsync();
        await CheckPageAsync(page, $"{shot}-9-reason-dialog");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Continue" }).ClickAsync();
        await Expect(dialog.GetByText("A reason is needed to change a complete assessment.")).ToBeVisibleAsync();
        await dialog.GetByLabel("Reason for change").FillAsync("Item 1 misread from the paper form");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Continue" }).ClickAsync();
        await Expect(dialog).Not.ToBeVisibleAsync();
        await Item(qpr, 1).GetByRole(AriaRole.Radio).First.FocusAsync();
        await page.Keyboard.PressAsync("4");
        await qpr.GetByRole(AriaRole.Button, new() { Name = "Save changes" }).ClickAsync();
        await Expect(qpr.GetByText(new Regex("Saved as complete"))).ToBeVisibleAsync();
        var changed = (await Assessments(world, participantId)).Single(a => a["instrumentCode"]!.GetValue<string>() == "QPR");
        Assert.That(changed["revision"]!.GetValue<int>(), Is.EqualTo(2));
        Assert.That(changed["answers"]![qprItems[0]]!.GetValue<double>(), Is.EqualTo(4));
        var trail = await Api.Get($"{world.Path}/audit?entityId={changed["id"]}", world.Manager);
        Assert.That(trail["items"].AsArray().Select(e => e!["reason"]?.GetValue<string>()), Does.Contain("Item 1 misread from the paper form"));
    }

    /// <summary>A varied answer for item `number` (0–4).</summary>
    private static int ValueOf(int number) => number * 3 % 5;

    /// <summary>The list entry of the item numbered `number` of an instrument's section.</summary>
    internal static ILocator Item(ILocator section, int number) =>
        section.Locator("li.item").Nth(number - 1);

    private async Task<List<JsonNode>> Assessments(TrialWorld world, Guid participantId) =>
        (await Expect(HttpStatusCode.OK, Api.Get($"{world.Path}/participants/{participantId}/assessments", world.ResearcherA)))["items"]
            .AsArray().Select(a => a!).ToList();
}
