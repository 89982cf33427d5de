using System.Text.RegularExpressions;

namespace TrialManager.Tests.EndToEnd;

public abstract partial class BrowserTest
{
    /// <summary>
    /// Chromium logs every refused request as a console error; a test that provokes refusals on purpose takes those
    /// (and fails on any other error).
    /// </summary>
    protected void ExpectOnlyRefusals(params int[] statuses)
    {
        var unexpected = TakeBrowserErrors().Where(error =>
            !statuses.Any(status => Regex.IsMatch(error, $@"status of {status}\b"))).ToList();
        Assert.That(unexpected, Is.Empty, "console errors other than the refusals the test provoked");
    }

    /// <summary>A page of a journey: its screenshot kept, and checked with axe.</summary>
    protected static async Task CheckPageAsync(Microsoft.Playwright.IPage page, string name)
    {
        await ScreenshotAsync(page, name);
        await AssertAccessibleAsync(page, name);
    }
}
