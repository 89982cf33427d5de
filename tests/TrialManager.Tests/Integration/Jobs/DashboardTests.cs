using System.Net;
using System.Net.Http.Headers;

namespace TrialManager.Tests.Integration.Jobs;

/// <summary>The Hangfire dashboard is for system admins, by bearer token or by the cookie a token is exchanged for.</summary>
public sealed class DashboardTests : IntegrationTest
{
    [Test]
    public async Task Only_a_system_admin_sees_the_dashboard()
    {
        var world = await NewTrialAsync();
        var anonymous = await Api.Get("/hangfire");
        var researcher = await Api.Get("/hangfire", world.ResearcherA);
        var manager = await Api.Get("/hangfire", world.Manager);
        var unblinded = await Api.Get("/hangfire", world.UnblindedStatistician);
        var admin = await Api.Get("/hangfire", Admin);
        Assert.Multiple(() =>
        {
            Assert.That(anonymous.Code, Is.EqualTo(401));
            Assert.That(researcher.Code, Is.EqualTo(403));
            Assert.That(manager.Code, Is.EqualTo(403));
            Assert.That(unblinded.Code, Is.EqualTo(403));
            Assert.That(admin.Code, Is.EqualTo(200));
            Assert.That(admin.Body, Does.Contain("TrialManager jobs"));
        });
    }

    [Test]
    public async Task A_browser_exchanges_an_admin_token_once_for_a_short_lived_http_only_cookie()
    {
        using var http = NoRedirects();
        using var exchange = await http.GetAsync($"/hangfire/recurring?access_token={Admin}");
        Assert.That(exchange.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
        Assert.That(exchange.Headers.Location!.ToString(), Is.EqualTo("/hangfire/recurring"), "the token leaves the address bar");
        var cookie = exchange.Headers.GetValues("Set-Cookie").Single();
        // A session cookie whose protected ticket expires after Jobs:DashboardCookieMinutes.
        Assert.That(cookie, Does.Contain("tm_dashboard=").And.Contain("httponly").IgnoreCase.And.Contain("path=/hangfire").IgnoreCase
            .And.Contain("samesite=strict").IgnoreCase);

        using var withCookie = new HttpRequestMessage(HttpMethod.Get, "/hangfire/recurring");
        withCookie.Headers.Add("Cookie", cookie.Split(';')[0]);
        using var page = await http.SendAsync(withCookie);
        Assert.That(page.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await page.Content.ReadAsStringAsync(), Does.Contain("follow-up-reminders").And.Contain("export-cleanup"));

        using var forged = new HttpRequestMessage(HttpMethod.Get, "/hangfire/recurring");
        forged.Headers.Add("Cookie", "tm_dashboard=forged");
        Assert.That((await http.SendAsync(forged)).StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
    }

    [Test]
    public async Task Other_tokens_get_no_cookie()
    {
        var world = await NewTrialAsync();
        using var http = NoRedirects();
        using var researcher = await http.GetAsync($"/hangfire?access_token={world.ResearcherA}");
        using var unknown = await http.GetAsync("/hangfire?access_token=tm_not_a_token");
        Assert.Multiple(() =>
        {
            Assert.That(researcher.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
            Assert.That(researcher.Headers.Contains("Set-Cookie"), Is.False);
            Assert.That(unknown.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
            Assert.That(unknown.Headers.Contains("Set-Cookie"), Is.False);
        });
    }

    private static HttpClient NoRedirects()
    {
        var http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false })
        {
            BaseAddress = TestHost.Factory.Client().Http.BaseAddress,
        };
        http.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("text/html"));
        return http;
    }
}
