using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Mvc;
using TrialManager.Api.Infrastructure.Errors;

namespace TrialManager.Api.Infrastructure.Http;

/// <summary>
/// The Idempotency-Key of this request, if it has one, and the hash of what it asks: set by <see cref="Idempotency"/>,
/// used by the unit of work, which keeps the key's record in the command's own transaction.
/// </summary>
public sealed class IdempotentRequest(IHttpContextAccessor http)
{
    public const string ReplayedHeader = "Idempotency-Replayed";

    public Guid UserId { get; private set; }
    public string? Key { get; private set; }
    public byte[] Hash { get; private set; } = [];

    /// <summary>The command's result is the stored one: nothing was done this time (so nothing to count either).</summary>
    public bool Replayed { get; private set; }

    internal void Set(Guid userId, string key, byte[] hash) => (UserId, Key, Hash) = (userId, key, hash);

    /// <summary>The answer is the stored one: said in a header, before the endpoint writes it.</summary>
    public void MarkReplayed()
    {
        Replayed = true;
        if (http.HttpContext is { } context)
            context.Response.Headers[ReplayedHeader] = "true";
    }
}

/// <summary>
/// Safe retries of writes (POST, PUT, PATCH), as Stripe does them: with an `Idempotency-Key` header, the command's result
/// is stored in the same transaction as its effect, so that it exists exactly when the effect does. A retry with the
/// same key and the same request gets that result again (marked `Idempotency-Replayed: true`) instead of a second
/// effect; the same key with another request is a 422. A PUT or PATCH is no less in need of it for being meant to be
/// idempotent: its retry after a lost answer meets its own change, and answers 412 for a stale If-Match (so If-Match is
/// part of what the request asks) or overwrites a change made in between. A refused (4xx) or failed (5xx) request, a
/// cancelled one or a crashed process commits nothing, so a retry, identical or corrected, runs. Keys are per user; a
/// request that arrives while another with its key runs answers 409 with Retry-After. POSTs that record nothing a retry
/// could duplicate keep nothing for their key. This middleware only reads the key and hashes the request.
/// </summary>
public sealed class Idempotency(RequestDelegate next, IProblemDetailsService problems)
{
    public const string Header = "Idempotency-Key";
    public const int MaxKeyLength = 200;

    public async Task InvokeAsync(HttpContext context, IdempotentRequest request)
    {
        var key = context.Request.Headers[Header].ToString();
        if (TakesKey(context.Request.Method) && key.Length > 0
            && Guid.TryParse(context.User.FindFirstValue(ClaimTypes.NameIdentifier), out var userId))
        {
            if (key.Length > MaxKeyLength)
            {
                var problem = ProblemException.Invalid(Header, "length", $"An idempotency key has at most {MaxKeyLength} characters.");
                context.Response.StatusCode = problem.Status;
                await problems.TryWriteAsync(new ProblemDetailsContext
                {
                    HttpContext = context,
                    ProblemDetails = new ProblemDetails
                    {
                        Status = problem.Status, Title = problem.Title, Detail = problem.Message, Extensions = { ["violations"] = problem.Violations },
                    },
                });
                return;
            }
            if (context.GetEndpoint()?.Metadata.GetMetadata<EndpointDocs.SafeToRepeat>() is null)
                request.Set(userId, key, await RequestHashAsync(context.Request));
        }
        await next(context);
    }

    /// <summary>
    /// The writes a key is kept for. A DELETE is not: its retry changes nothing more (a 404 for a removed membership,
    /// a 204 for a revoked token), and its answer has no body to give again.
    /// </summary>
    public static bool TakesKey(string method) => HttpMethods.IsPost(method) || HttpMethods.IsPut(method) || HttpMethods.IsPatch(method);

    private static async Task<byte[]> RequestHashAsync(HttpRequest request)
    {
        request.EnableBuffering();
        using var body = new MemoryStream();
        await request.Body.CopyToAsync(body, request.HttpContext.RequestAborted);
        request.Body.Position = 0;
        // On the first line, which holds no raw space or line break otherwise, so no body can pass for it; a request
        // without If-Match hashes as it always did, so that keys stored before it counted stay usable.
        var ifMatch = request.Headers.IfMatch.ToString() is { Length: > 0 } tag ? $" If-Match: {tag}" : "";
        var target = Encoding.UTF8.GetBytes($"{request.Method} {request.Path}{request.QueryString}{ifMatch}\n");
        return SHA256.HashData([.. target, .. body.ToArray()]);
    }
}
