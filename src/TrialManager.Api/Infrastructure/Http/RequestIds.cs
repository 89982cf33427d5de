using System.Text.RegularExpressions;

namespace TrialManager.Api.Infrastructure.Http;

/// <summary>
/// Every request has an id that the caller sees (X-Request-Id, and `requestId` in problem details) and that the
/// audit trail records. A caller may supply its own (a gateway's), if it is short and plain.
/// </summary>
public static partial class RequestIds
{
    public const string Header = "X-Request-Id";

    [GeneratedRegex("^[A-Za-z0-9._:-]{1,64}$")]
    private static partial Regex Acceptable();

    public static IApplicationBuilder UseRequestIds(this IApplicationBuilder app) => app.Use((context, next) =>
    {
        var supplied = context.Request.Headers[Header].ToString();
        if (Acceptable().IsMatch(supplied))
            context.TraceIdentifier = supplied;
        // Set as the answer starts: the exception handler clears the headers of a failed request before writing its problem.
        context.Response.OnStarting(() =>
        {
            context.Response.Headers[Header] = context.TraceIdentifier;
            return Task.CompletedTask;
        });
        return next(context);
    });
}
