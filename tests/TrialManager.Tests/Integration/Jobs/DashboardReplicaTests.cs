using System.Net;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.WebUtilities;

namespace TrialManager.Tests.Integration.Jobs;

/// <summary>
/// API replicas share the Data Protection key ring through the database: the dashboard cookie one replica issues is
/// read by another (a separate host with its own service provider, started after the test database was reset).
/// </summary>
[NonParallelizable]
public sealed class DashboardReplicaTests : IntegrationTest
{
    [Test]
    public async Task A_dashboard_cookie_issued_by_one_replica_is_accepted_by_another()
    {
        var first = TestHost.Factory.Client().Http.BaseAddress!;
        var fromFirst = await ExchangeAsync(first);
        // As before the next test: the reset must leave the key ring that running hosts hold.
        await TestHost.ResetAsync();
        await using var replica = new ApiFactory(Db, new Dictionary<string, string?> { ["Hosting:Mode"] = "api" });
        replica.StartServer();
        var second = replica.Client().Http.BaseAddress!;
        var fromSecond = await ExchangeAsync(second);

        Assert.Multiple(async () =>
        {
            Assert.That(await DashboardAsync(second, fromFirst), Is.EqualTo(HttpStatusCode.OK));
            Assert.That(await DashboardAsync(first, fromSecond), Is.EqualTo(HttpStatusCode.OK));
            Assert.That(await DashboardAsync(second, "tm_dashboard=forged"), Is.EqualTo(HttpStatusCode.Unauthorized));
            Assert.That(await DashboardAsync(second, fromFirst[..^4] + "AAAA"), Is.EqualTo(HttpStatusCode.Unauthorized),
                "a cookie whose protected payload was altered");
        });
    }

    [Test]
    public async Task The_key_that_protects_the_cookie_is_kept_in_the_database_and_not_audited()
    {
        var cookie = await ExchangeAsync(TestHost.Factory.Client().Http.BaseAddress!);
        // A protected payload starts with a 4-byte magic header and the 128-bit id of the key that protects it.
        var payload = WebEncoders.Base64UrlDecode(cookie["tm_dashboard=".Length..]);
        var keyId = new Guid(payload.AsSpan(4, 16));

        var stored = await Db.ScalarAsync<long>("SELECT count(*) FROM data_protection_keys WHERE xml LIKE $1", $"%id=\"{keyId}\"%");
        var audited = await Db.ScalarAsync<long>("SELECT count(*) FROM audit_events WHERE entity_type LIKE '%protection%'");
        Assert.Multiple(() =>
        {
            Assert.That(stored, Is.EqualTo(1));
            Assert.That(audited, Is.Zero);
        });
    }

    /// <summary>The `tm_dashboard=...` pair a system admin's token is exchanged for.</summary>
    private static async Task<string> ExchangeAsync(Uri host)
    {
        using var http = NoRedirects(host);
        using var exchange = await http.GetAsync($"/hangfire/recurring?access_token={Admin}");
        Assert.That(exchange.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
        return exchange.Headers.GetValues("Set-Cookie").Single().Split(';')[0];
    }

    private static async Task<HttpStatusCode> DashboardAsync(Uri host, string cookie)
    {
        using var http = NoRedirects(host);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/hangfire/recurring");
        request.Headers.Add("Cookie", cookie);
        using var page = await http.SendAsync(request);
        return page.StatusCode;
    }

    private static HttpClient NoRedirects(Uri host)
    {
        var http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = host };
        http.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("text/html"));
        return http;
    }
}
