namespace TrialManager.Tests.EndToEnd;

/// <summary>The harness itself: what it must catch in a page, it catches.</summary>
public sealed class BrowserTestHarnessTests : BrowserTest
{
    [Test]
    public async Task A_content_security_policy_violation_and_a_console_error_are_reported()
    {
        await Page.GotoAsync("/app/");
        await Page.EvaluateAsync("""
            () => {
                const script = document.createElement('script');
                script.textContent = 'window.ran = true';
                document.body.append(script);
                console.error('something broke');
            }
            """);
        var errors = await ErrorsAsync(2);
        Assert.Multiple(() =>
        {
            Assert.That(errors, Has.Some.StartsWith("CSP violation: script-src-elem refused inline"));
            Assert.That(errors, Has.Some.StartsWith("console error: something broke"));
        });
        Assert.That(await Page.EvaluateAsync<bool>("() => window.ran === true"), Is.False, "the inline script did not run");
    }

    [Test]
    public async Task An_uncaught_exception_is_reported()
    {
        await Page.GotoAsync("/app/");
        await Page.EvaluateAsync("() => { setTimeout(() => { throw new Error('thrown later'); }); }");
        Assert.That(await ErrorsAsync(1), Has.Some.Contains("thrown later"));
    }

    [Test]
    public async Task Axe_finds_a_button_without_a_name_and_writes_its_report()
    {
        await Page.GotoAsync("/app/");
        await Page.EvaluateAsync("() => document.querySelector('main').append(document.createElement('button'))");
        var report = ResultPath("harness-axe", ".axe.json");
        var violations = await Axe.SeriousViolationsAsync(Page, report);
        Assert.Multiple(() =>
        {
            Assert.That(violations.Select(violation => violation.Id), Is.EquivalentTo(new[] { "button-name" }));
            Assert.That(violations[0].Targets, Has.One.EndsWith("button\"]"), "axe's selector of the button");
            Assert.That(File.ReadAllText(report), Does.Contain("\"testEngine\""));
        });
    }

    /// <summary>The errors reported once there are at least <paramref name="count"/> (they arrive as events).</summary>
    private async Task<List<string>> ErrorsAsync(int count)
    {
        var errors = new List<string>();
        for (var wait = 0; wait < 50 && errors.Count < count; wait++)
        {
            await Task.Delay(100);
            errors.AddRange(TakeBrowserErrors());
        }
        return errors;
    }
}
