using System.Diagnostics;
using System.Text.Json.Nodes;

namespace TrialManager.Tests.Integration.Http;

/// <summary>
/// Lints the running service's OpenAPI document with Spectral and the project's ruleset (tests/openapi-lint), which
/// deploy/local/test.sh installs from its lock file. Errors fail; warnings are printed.
/// </summary>
public sealed class OpenApiLintTests : IntegrationTest
{
    [Test]
    public async Task The_document_passes_the_lint_with_no_error()
    {
        var lint = Path.Combine(Path.GetDirectoryName(OpenApiDocument.SnapshotPath)!, "..", "openapi-lint");
        var spectral = Path.Combine(lint, "node_modules", "@stoplight", "spectral-cli", "dist", "index.js");
        Assert.That(File.Exists(spectral), $"Spectral is not installed: run npm ci --ignore-scripts --prefix {Path.GetFullPath(lint)}");
        var document = Path.Combine(Path.GetTempPath(), $"trialmanager-openapi-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(document, OpenApiDocument.Text(await OpenApiDocument.ReadAsync(Api)));
        try
        {
            var start = new ProcessStartInfo("node", [spectral, "lint", document, "--ruleset", Path.Combine(lint, "ruleset.yaml"),
                "--format", "json", "--fail-severity", "error", "--quiet"])
            {
                RedirectStandardOutput = true, RedirectStandardError = true,
            };
            using var process = Process.Start(start)!;
            var output = process.StandardOutput.ReadToEndAsync();
            var errors = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            var findings = JsonNode.Parse(await output)?.AsArray() ?? throw new AssertionException($"Spectral wrote no report: {await errors}");
            // Spectral's severities: 0 error, 1 warning, 2 information, 3 hint.
            var lines = findings.Select(f => (Severity: f!["severity"]!.GetValue<int>(),
                Text: $"{f["code"]} at {string.Join('.', f["path"]!.AsArray())}: {f["message"]}")).ToList();
            foreach (var (_, text) in lines.Where(l => l.Severity > 0))
                TestContext.Out.WriteLine($"lint: {text}");
            Assert.That(lines.Where(l => l.Severity == 0).Select(l => l.Text), Is.Empty);
        }
        finally
        {
            File.Delete(document);
        }
    }
}
