namespace TrialManager.Api.Features.WebClient;

/// <summary>
/// The web client's pages and assets under `/app`, each with a strict Content-Security-Policy: only this origin's
/// scripts, styles and API, no inline script, never framed; no MIME sniffing and no Referer to other sites (an
/// address may name a participant).
/// </summary>
public static class WebClientHosting
{
    public const string Path = "/app";

    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; object-src 'none'; " +
        "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    public static void UseWebClient(this WebApplication app) =>
        app.UseWhen(context => context.Request.Path.StartsWithSegments(Path), branch =>
        {
            branch.Use((context, next) =>
            {
                var headers = context.Response.Headers;
                headers.ContentSecurityPolicy = ContentSecurityPolicy;
                headers.XContentTypeOptions = "nosniff";
                headers["Referrer-Policy"] = "no-referrer";
                return next(context);
            });
            branch.UseDefaultFiles();
            branch.UseStaticFiles();
        });
}
