using System.Text.Json;
using Microsoft.Playwright;

namespace TrialManager.Tests.EndToEnd;

/// <summary>One rule that a page breaks, with the elements that break it (axe's selectors).</summary>
public sealed record AxeViolation(string Id, string Impact, string Help, IReadOnlyList<string> Targets)
{
    public override string ToString() => $"{Id} ({Impact}): {Help} at {string.Join(", ", Targets)}";
}

/// <summary>
/// axe-core (tests/e2e, installed by deploy/local/test.sh from its lock file) run in a page against WCAG 2.0 and 2.1,
/// levels A and AA.
/// </summary>
public static class Axe
{
    private const string Run = """
        async () => JSON.stringify(await axe.run(document, {
            runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
        }))
        """;

    private static readonly Lazy<string> Source = new(() =>
    {
        var path = Path.Combine(BrowserHost.RepositoryRoot, "tests", "e2e", "node_modules", "axe-core", "axe.min.js");
        if (!File.Exists(path))
            throw new InvalidOperationException($"axe-core is not installed: run npm ci --ignore-scripts --prefix {Path.GetDirectoryName(Path.GetDirectoryName(Path.GetDirectoryName(path)))}");
        return File.ReadAllText(path);
    });

    /// <summary>
    /// Runs axe on the page as it is now, writes its whole result to <paramref name="report"/> and answers the
    /// violations whose impact is serious or critical.
    /// </summary>
    public static async Task<IReadOnlyList<AxeViolation>> SeriousViolationsAsync(IPage page, string report)
    {
        // Evaluated over the DevTools protocol, the script is not subject to the page's Content-Security-Policy, which
        // refuses a script tag from anywhere but the page's own origin.
        if (!await page.EvaluateAsync<bool>("() => typeof window.axe === 'object'"))
            await page.EvaluateAsync(Source.Value);
        var json = await page.EvaluateAsync<string>(Run);
        await File.WriteAllTextAsync(report, json);
        using var result = JsonDocument.Parse(json);
        return result.RootElement.GetProperty("violations").EnumerateArray()
            .Select(violation => new AxeViolation(
                violation.GetProperty("id").GetString()!,
                violation.GetProperty("impact").GetString() ?? "",
                violation.GetProperty("help").GetString()!,
                violation.GetProperty("nodes").EnumerateArray()
                    // A target is a list of selectors, one more for each frame or shadow root on the way to the element.
                    .Select(node => node.GetProperty("target").GetRawText()).ToList()))
            .Where(violation => violation.Impact is "serious" or "critical")
            .ToList();
    }
}
