using Microsoft.Playwright;
using TrialManager.Tests.Integration;
using TrialManager.Tests.Integration.Outcomes;
using static Microsoft.Playwright.Assertions;

namespace TrialManager.Tests.EndToEnd;

/// <summary>Signing in with a wrong token, ending a session, and the assessor's blinding guess after a follow-up visit.</summary>
public sealed class SignInAndGuessTests() : BrowserTest(Tablet.Landscape)
{
    [Test]
    public async Task A_wrong_token_is_refused_in_words_and_a_revoked_one_ends_the_session_but_keeps_what_was_typed()
    {
        var (world, _) = await OutcomeFixture.CreateAsync(Api, await TrialWorld.CreateAsync(Api, "REFOCUS"));
        await Page.GotoAsync("/app/");
        await Page.GetByLabel("API token", new() { Exact = true }).FillAsync("tm_not_a_token");
        await Page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(Page.GetByRole(AriaRole.Alert)).ToHaveTextAsync("This token is not valid: it may be mistyped, revoked or expired.");
        await Expect(Page.GetByText("Your session has ended")).ToHaveCountAsync(0);
        await AssertAccessibleAsync(Page, "sign-in-refused");
        await ScreenshotAsync(Page, "sign-in-refused");
        ExpectOnlyRefusals(401);

        // A researcher's own token (made here, so it can be revoked) signs in; they start an assessment.
        var me = await Api.Get("/me", world.ResearcherA);
        var token = await Api.Post($"/users/{me.Id}/tokens", new { name = "tablet" }, Admin);
        await SignInAsync(Page, token["token"].GetValue<string>());
        await Page.GotoAsync($"/app/#/trials/{world.TrialId}/participants/{world.ParticipantA}/visits/baseline");
        var qpr = Page.GetByRole(AriaRole.Region, new() { Name = "Questionnaire about the Process of Recovery" });
        await ResearcherJourneyTests.Item(qpr, 1).GetByRole(AriaRole.Radio, new() { Name = "2", Exact = true }).CheckAsync();

        await Api.Delete($"/tokens/{token.Id}", Admin);
        await qpr.GetByRole(AriaRole.Button, new() { Name = "Save draft" }).ClickAsync();
        await Expect(Page.GetByText("Your session has ended.", new() { Exact = false })).ToBeVisibleAsync(new() { Timeout = 20_000 });
        ExpectOnlyRefusals(401);

        await SignInAsync(Page, world.ResearcherA);
        await Page.GotoAsync($"/app/#/trials/{world.TrialId}/participants/{world.ParticipantA}/visits/baseline");
        await Expect(ResearcherJourneyTests.Item(qpr, 1).GetByRole(AriaRole.Radio, new() { Name = "2", Exact = true })).ToBeCheckedAsync();
        await Expect(qpr.GetByText("were restored from this device", new() { Exact = false })).ToBeVisibleAsync();

        // Signing out ends the session on the server and leaves nothing of it on the (shared) tablet.
        var session = (await Page.Context.CookiesAsync()).Single(c => c.Name == "tm_session").Value;
        Assert.That((await Api.Send(HttpMethod.Get, "/me", null, null, r => r.Headers.Add("Cookie", $"tm_session={session}"))).Code, Is.EqualTo(200));
        await Page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await Expect(Page.GetByRole(AriaRole.Heading, new() { Name = "Sign in to TrialManager" })).ToBeVisibleAsync();
        Assert.That(await Page.EvaluateAsync<int>("() => localStorage.length + sessionStorage.length"), Is.Zero);
        var cookies = await Page.Context.CookiesAsync();
        var cookie = cookies.SingleOrDefault(c => c.Name == "tm_session");
        Assert.That(cookie is null || cookie.Value.Length == 0, Is.True, "the browser drops the cookie");
        Assert.That((await Api.Send(HttpMethod.Get, "/me", null, null, r => r.Headers.Add("Cookie", $"tm_session={session}"))).Code, Is.EqualTo(401),
            "the server no longer knows the session");
    }

    [Test]
    public async Task An_assessor_records_a_blinding_guess_after_a_follow_up_visit_and_learns_nothing_from_the_answer()
    {
        var (world, _) = await OutcomeFixture.CreateAsync(Api, await TrialWorld.CreateAsync(Api, "REFOCUS"));
        await SignInAsync(Page, world.ResearcherA);
        await Page.GotoAsync($"/app/#/trials/{world.TrialId}/participants/{world.ParticipantA}/visits/baseline");
        await Expect(Page.GetByRole(AriaRole.Region, new() { Name = "Questionnaire about the Process of Recovery" })).ToBeVisibleAsync();
        await Expect(Page.GetByRole(AriaRole.Heading, new() { Name = "Assessor's blinding guess" })).ToHaveCountAsync(0);

        await Page.GotoAsync($"/app/#/trials/{world.TrialId}/participants/{world.ParticipantA}/visits/12m");
        var guess = Page.GetByRole(AriaRole.Region, new() { Name = "Assessor's blinding guess" });
        await Expect(guess).ToBeVisibleAsync();
        await guess.GetByRole(AriaRole.Radio, new() { Name = "I don't know" }).CheckAsync();
        await guess.GetByRole(AriaRole.Group, new() { Name = "How sure are you?" }).GetByRole(AriaRole.Radio, new() { Name = "3", Exact = true }).CheckAsync();
        await AssertAccessibleAsync(Page, "blinding-guess");
        await guess.GetByRole(AriaRole.Button, new() { Name = "Record guess" }).ClickAsync();
        await Expect(guess.GetByRole(AriaRole.Status)).ToHaveTextAsync("Your guess is recorded.");
        await ScreenshotAsync(Page, "blinding-guess");
        var report = await Api.Get($"{world.Path}/reports/blinding", world.Manager);
        Assert.Multiple(() =>
        {
            Assert.That(report["guesses"].GetValue<int>(), Is.EqualTo(1), report.ToString());
            Assert.That(report["dontKnow"].GetValue<int>(), Is.EqualTo(1));
            Assert.That(report["guessesByTimepoint"]["12m"]!.GetValue<int>(), Is.EqualTo(1));
        });
    }
}
