using Microsoft.Playwright;
using TrialManager.Tests.Integration;
using TrialManager.Tests.Integration.Blinding;
using static Microsoft.Playwright.Assertions;

namespace TrialManager.Tests.EndToEnd;

/// <summary>
/// A blinded person walks every page the client has for them in a randomised trial that has an arm in every place one
/// could slip out (<see cref="BlindedWorld"/>): no arm code or label appears on any page, nor in what the client keeps.
/// The one exception is the assessor's own blinding-guess form, which must name the arms to ask which one.
/// </summary>
public sealed class BlindedPagesTests() : BrowserTest(Tablet.Landscape)
{
    [TestCase("researcher")]
    [TestCase("statistician")]
    public async Task No_arm_appears_on_any_page_of_a_blinded_role(string role)
    {
        var blinded = await BlindedWorld.CreateAsync(Api);
        var world = blinded.World;
        var token = role == "researcher" ? world.ResearcherA : world.Statistician;
        var page = Page;
        await SignInAsync(page, token);
        var participants = (await Api.Get($"{world.Path}/participants?siteId={world.SiteA}", token))["items"].AsArray()
            .Select(p => p!["id"]!.GetValue<Guid>()).ToList();
        Assert.That(participants, Is.Not.Empty);

        var pages = new List<string> { "#/", $"#/trials/{world.TrialId}" };
        if (role == "researcher")
            pages.AddRange([$"#/trials/{world.TrialId}/queries", $"#/trials/{world.TrialId}/enrol"]);
        foreach (var participant in participants.Take(3))
        {
            pages.Add($"#/trials/{world.TrialId}/participants/{participant}");
            foreach (var visit in new[] { "baseline", "12m" })
                pages.Add($"#/trials/{world.TrialId}/participants/{participant}/visits/{visit}");
        }
        foreach (var (address, index) in pages.Select((address, index) => (address, index)))
        {
            await page.GotoAsync($"/app/{address}");
            await Expect(page.Locator("h1")).ToBeVisibleAsync();
            await Expect(page.GetByRole(AriaRole.Status).Filter(new() { HasText = "Loading" })).ToHaveCountAsync(0);
            // The guess form names the arms by design; everything else must not.
            var text = await page.EvaluateAsync<string>("""
                () => { const copy = document.body.cloneNode(true); copy.querySelectorAll('.blinding').forEach(e => e.remove());
                        return copy.innerText + ' ' + copy.innerHTML; }
                """);
            var kept = await page.EvaluateAsync<string>("() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage })");
            foreach (var word in BlindedWorld.ArmWords)
                Assert.Multiple(() =>
                {
                    Assert.That(text, Does.Not.Contain(word).IgnoreCase, $"{role} on {address}");
                    Assert.That(kept, Does.Not.Contain(word).IgnoreCase, $"{role}: what the client keeps after {address}");
                });
            if (index < 4 || address.EndsWith("baseline", StringComparison.Ordinal))
                await AssertAccessibleAsync(page, $"blinded-{role}-{index}");
        }
        await ScreenshotAsync(page, $"blinded-{role}-visit");
    }
}
