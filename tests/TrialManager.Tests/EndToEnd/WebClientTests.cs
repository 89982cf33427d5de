using System.Diagnostics;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using TrialManager.Tests.Integration;
using static Microsoft.Playwright.Assertions;

namespace TrialManager.Tests.EndToEnd;

/// <summary>The web client as a browser opens it, on a tablet held either way.</summary>
[TestFixture(Tablet.Landscape)]
[TestFixture(Tablet.Portrait)]
public sealed class WebClientTests(Tablet tablet) : BrowserTest(tablet)
{
    /// <summary>The page the client's build wrote (deploy/local/test.sh builds it before the tests).</summary>
    private static string BuiltPage
    {
        get
        {
            var path = Path.Combine(BrowserHost.RepositoryRoot, "src", "TrialManager.Api", "wwwroot", "app", "index.html");
            if (!File.Exists(path))
                Assert.Fail("The web client is not built: run `npm ci && npm run build` in src/TrialManager.Web (deploy/local/test.sh does).");
            return path;
        }
    }

    [Test]
    public async Task The_web_client_opens_under_a_strict_content_security_policy_and_passes_axe()
    {
        var built = await File.ReadAllTextAsync(BuiltPage);
        var load = Stopwatch.StartNew();
        var response = await Page.GotoAsync("/app/");
        TestContext.Out.WriteLine($"/app/ loaded in {load.ElapsedMilliseconds} ms");
        Assert.That(response, Is.Not.Null);
        var csp = await response!.HeaderValueAsync("Content-Security-Policy");
        var served = await response.TextAsync();
        Assert.Multiple(() =>
        {
            Assert.That(response.Status, Is.EqualTo(200));
            Assert.That(csp, Does.Contain("default-src 'self'").And.Contain("script-src 'self'").And.Not.Contain("unsafe-inline"));
            Assert.That(served, Is.EqualTo(built), "the host serves the API project's wwwroot/app, where the client's build writes");
        });
        await Expect(Page).ToHaveTitleAsync(new Regex("TrialManager"));
        await Expect(Page.Locator("main")).ToBeVisibleAsync();
        await ScreenshotAsync(Page, $"web-client-{Tablet.ToString().ToLowerInvariant()}");
        await AssertAccessibleAsync(Page, $"web-client-{Tablet.ToString().ToLowerInvariant()}");
    }

    [Test]
    public void The_client_s_javascript_stays_under_200_KB_compressed()
    {
        var assets = Path.Combine(Path.GetDirectoryName(BuiltPage)!, "assets");
        long compressed = 0;
        foreach (var script in Directory.GetFiles(assets, "*.js"))
        {
            using var sink = new MemoryStream();
            using (var gzip = new System.IO.Compression.GZipStream(sink, System.IO.Compression.CompressionLevel.Optimal, leaveOpen: true))
                gzip.Write(File.ReadAllBytes(script));
            compressed += sink.Length;
        }
        TestContext.Out.WriteLine($"client JavaScript: {compressed / 1024.0:F1} KB gzip");
        Assert.That(compressed, Is.GreaterThan(0).And.LessThan(200 * 1024));
    }

    [Test]
    public async Task Signing_in_with_an_api_token_lists_the_users_trials()
    {
        var world = await TrialWorld.CreateAsync(Api, "REFOCUS");
        await SignInAsync(Page, world.ResearcherA);
        await Expect(Page.GetByRole(AriaRole.Link, new PageGetByRoleOptions { Name = "REFOCUS", Exact = true })).ToBeVisibleAsync();
        var name = $"trials-{Tablet.ToString().ToLowerInvariant()}";
        await ScreenshotAsync(Page, name);
        await AssertAccessibleAsync(Page, name);
    }
}
