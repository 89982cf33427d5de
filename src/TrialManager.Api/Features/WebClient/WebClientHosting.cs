namespace TrialManager.Api.Features.WebClient;

/// <summary>
/// The web client (built from src/TrialManager.Web into wwwroot/app) under `/app`: its assets as static asset
/// endpoints (precompressed, with ETags; named by their content's hash, so cached for good), its page at `/app/`
/// (revalidated on every load, so a new build is picked up at once). Every answer under `/app` has a strict Content-Security-Policy: only this origin's scripts,
/// styles and API, no inline script, never framed; no MIME sniffing and no Referer to other sites (an address may name
/// a participant).
/// </summary>
public static class WebClientHosting
{
    public const string Path = "/app";
    private const string Page = "app/index.html";

    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; object-src 'none'; " +
        "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    public static void UseWebClient(this WebApplication app)
    {
        app.UseWhen(context => context.Request.Path.StartsWithSegments(Path), branch =>
            branch.Use((context, next) =>
            {
                var headers = context.Response.Headers;
                headers.ContentSecurityPolicy = ContentSecurityPolicy;
                headers.XContentTypeOptions = "nosniff";
                headers["Referrer-Policy"] = "no-referrer";
                // The client's build names each asset by a hash of its content, so an asset never changes under its
                // name: a tablet keeps it for good instead of asking again on every load.
                if (context.Request.Path.StartsWithSegments($"{Path}/assets"))
                    context.Response.OnStarting(() =>
                    {
                        if (context.Response.StatusCode is StatusCodes.Status200OK or StatusCodes.Status304NotModified)
                            context.Response.Headers.CacheControl = "public, max-age=31536000, immutable";
                        return Task.CompletedTask;
                    });
                return next(context);
            }));
        app.MapStaticAssets().AllowAnonymous().ExcludeFromDescription();
        // Routing matches `/app` and `/app/` alike; the page's relative addresses need the slash.
        app.MapGet(Path, (HttpContext http, IWebHostEnvironment environment) =>
            {
                if (!http.Request.Path.Value!.EndsWith('/'))
                    return Results.Redirect($"{Path}/");
                var page = environment.WebRootFileProvider.GetFileInfo(Page);
                if (!page.Exists)
                    return Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not Found",
                        detail: "The web client is not built: run `npm ci && npm run build` in src/TrialManager.Web, or deploy/local/start.sh.");
                http.Response.Headers.CacheControl = "no-cache";
                return Results.File(page.PhysicalPath!, "text/html; charset=utf-8");
            })
            .AllowAnonymous().ExcludeFromDescription();
    }
}
