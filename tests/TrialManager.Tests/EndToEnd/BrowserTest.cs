using System.Text.RegularExpressions;
using Microsoft.Playwright;
using NUnit.Framework.Interfaces;
using TrialManager.Tests.Integration;
using static Microsoft.Playwright.Assertions;

namespace TrialManager.Tests.EndToEnd;

/// <summary>The tablets the web client is made for, held either way.</summary>
public enum Tablet
{
    /// <summary>1024 × 768.</summary>
    Landscape,

    /// <summary>768 × 1024.</summary>
    Portrait,
}

/// <summary>
/// Base of the end-to-end tests: an empty database, an API client to seed it (<see cref="TrialWorld"/>), and a page in a
/// browser context of its own (no cookies or storage from another test) at the size of a tablet. A test fails on any
/// console error, uncaught exception or Content-Security-Policy violation in its pages.
/// </summary>
[Category("EndToEnd")]
public abstract partial class BrowserTest(Tablet tablet = Tablet.Landscape)
{
    private const string ReportViolation = "__trialManagerCspViolation";

    private readonly List<IBrowserContext> _contexts = [];
    private readonly List<string> _browserErrors = [];

    protected ApiClient Api { get; private set; } = null!;

    /// <summary>The page of the test, in a context of <see cref="Tablet"/>'s size.</summary>
    protected IPage Page { get; private set; } = null!;

    protected Tablet Tablet => tablet;

    protected static string Admin => TestHost.AdminToken;

    [SetUp]
    public async Task OpenPageAsync()
    {
        await BrowserHost.ResetAsync();
        Api = BrowserHost.Factory.Client();
        Page = await (await NewContextAsync(tablet)).NewPageAsync();
    }

    [TearDown]
    public async Task ClosePagesAsync()
    {
        var test = TestContext.CurrentContext;
        try
        {
            foreach (var (page, index) in _contexts.SelectMany(context => context.Pages).Select((page, index) => (page, index)))
            {
                // Events are delivered in order: an answer to this round trip comes after every message logged before it.
                await page.EvaluateAsync("() => 0");
                if (test.Result.Outcome.Status == TestStatus.Failed)
                    await ScreenshotAsync(page, $"failed-{Name(test.Test.ClassName!)}-{tablet}-{test.Test.MethodName}-{index}");
            }
        }
        finally
        {
            foreach (var context in _contexts)
                await context.DisposeAsync();
            _contexts.Clear();
        }
        Assert.That(TakeBrowserErrors(), Is.Empty, "console errors, uncaught exceptions and Content-Security-Policy violations");
    }

    /// <summary>Another browser context, as a second user on another tablet; closed with the test's.</summary>
    protected async Task<IBrowserContext> NewContextAsync(Tablet size)
    {
        var context = await BrowserHost.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = BrowserHost.BaseAddress.ToString(),
            ViewportSize = size == Tablet.Landscape ? new ViewportSize { Width = 1024, Height = 768 } : new ViewportSize { Width = 768, Height = 1024 },
            HasTouch = true,
            Locale = "en-GB",
            TimezoneId = "Europe/London",
        });
        _contexts.Add(context);
        context.SetDefaultTimeout(15_000);
        // The page reports its own violations; Chromium also logs them as console errors, but without the directive.
        await context.ExposeFunctionAsync(ReportViolation, (string violation) => Record($"CSP violation: {violation}"));
        await context.AddInitScriptAsync($$"""
            document.addEventListener('securitypolicyviolation', e => window.{{ReportViolation}}(
                `${e.effectiveDirective} refused ${e.blockedURI} (${e.sourceFile || e.documentURI}:${e.lineNumber})`));
            """);
        context.Page += (_, page) =>
        {
            page.Console += (_, message) =>
            {
                // Chromium asks for /favicon.ico on its own when a page names no icon; that answer is not the page's.
                if (message.Type == "error" && !message.Location.StartsWith(new Uri(BrowserHost.BaseAddress, "/favicon.ico") + ":", StringComparison.Ordinal))
                    Record($"console error: {message.Text} ({message.Location})");
            };
            page.PageError += (_, error) => Record($"uncaught: {error}");
        };
        return context;
    }

    /// <summary>The errors the pages reported so far, which then no longer fail the test (for a test that expects one).</summary>
    protected IReadOnlyList<string> TakeBrowserErrors()
    {
        lock (_browserErrors)
        {
            var errors = _browserErrors.ToList();
            _browserErrors.Clear();
            return errors;
        }
    }

    private void Record(string error)
    {
        lock (_browserErrors)
            _browserErrors.Add(error);
    }

    /// <summary>Signs in on the web client's sign-in page with an API token and waits for the list of trials.</summary>
    protected static async Task SignInAsync(IPage page, string token)
    {
        await page.GotoAsync("/app/");
        await page.GetByLabel("API token", new PageGetByLabelOptions { Exact = true }).FillAsync(token);
        await page.GetByRole(AriaRole.Button, new PageGetByRoleOptions { Name = "Sign in", Exact = true }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new PageGetByRoleOptions { Name = "Your trials", Exact = true })).ToBeVisibleAsync();
    }

    /// <summary>The whole page as .test-results/screenshots/<paramref name="name"/>.png; answers the file's path.</summary>
    protected static async Task<string> ScreenshotAsync(IPage page, string name)
    {
        var path = ResultPath(name, ".png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        return path;
    }

    /// <summary>
    /// Fails on every serious or critical WCAG 2.1 A/AA violation that axe finds in the page as it is now; its whole
    /// report goes to .test-results/screenshots/<paramref name="name"/>.axe.json.
    /// </summary>
    protected static async Task AssertAccessibleAsync(IPage page, string name)
    {
        var violations = await Axe.SeriousViolationsAsync(page, ResultPath(name, ".axe.json"));
        Assert.That(violations, Is.Empty, () => $"axe found serious or critical violations on {page.Url}:\n  "
            + string.Join("\n  ", violations));
    }

    /// <summary>A path in the results folder, for a name that is a file name on every system.</summary>
    protected static string ResultPath(string name, string extension)
    {
        if (!FileName().IsMatch(name))
            throw new ArgumentException($"'{name}' is not a plain file name (letters, digits, '.', '-' and '_').", nameof(name));
        return Path.Combine(BrowserHost.ResultsFolder, name + extension);
    }

    private static string Name(string className) => className[(className.LastIndexOf('.') + 1)..];

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]*$")]
    private static partial Regex FileName();
}
