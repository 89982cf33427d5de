using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Mvc;
using Npgsql;
using TrialManager.Api.Infrastructure.Errors;

namespace TrialManager.Api.Infrastructure.Http;

/// <summary>
/// Safe retries of POSTs: with an `Idempotency-Key` header, the answer of a request that changed something (2xx) is
/// stored, and a retry with the same key and the same request gets that answer again (marked
/// `Idempotency-Replayed: true`) instead of a second effect; the same key with another request is a 422. Keys are
/// per user. While a request runs, its key is held by a transaction-scoped advisory lock, not by a row: a refused
/// request (4xx), a failed one (5xx), a cancelled one or a crashed process leaves nothing behind, so a retry,
/// identical or corrected, runs again. A request that arrives while another with its key runs answers 409 with
/// Retry-After.
/// </summary>
public sealed class Idempotency(RequestDelegate next, NpgsqlDataSource dataSource, IProblemDetailsService problems)
{
    public const string Header = "Idempotency-Key";
    private const int MaxKeyLength = 200;

    public async Task InvokeAsync(HttpContext context)
    {
        var key = context.Request.Headers[Header].ToString();
        if (!HttpMethods.IsPost(context.Request.Method) || key.Length == 0
            || !Guid.TryParse(context.User.FindFirstValue(ClaimTypes.NameIdentifier), out var userId))
        {
            await next(context);
            return;
        }
        if (key.Length > MaxKeyLength)
        {
            await ProblemAsync(context, ProblemException.Invalid(Header, "length", $"An idempotency key has at most {MaxKeyLength} characters."));
            return;
        }
        var hash = await RequestHashAsync(context.Request);
        await using var connection = await dataSource.OpenConnectionAsync(context.RequestAborted);
        await using var transaction = await connection.BeginTransactionAsync(context.RequestAborted);
        if (!await TryHoldAsync(connection, userId, key, context.RequestAborted))
        {
            context.Response.Headers.RetryAfter = "1";
            await ProblemAsync(context, ProblemException.Conflict("A request with this idempotency key is still running; retry it shortly."));
            return;
        }
        if (await ReplayAsync(context, connection, userId, key, hash))
            return;

        var original = context.Response.Body;
        await using var captured = new MemoryStream();
        context.Response.Body = captured;
        try
        {
            await next(context);
        }
        finally
        {
            context.Response.Body = original;
        }
        if (context.Response.StatusCode is >= 200 and < 300)
            await StoreAsync(connection, userId, key, hash, context.Response, captured.ToArray(), CancellationToken.None);
        await transaction.CommitAsync(CancellationToken.None);
        captured.Position = 0;
        await captured.CopyToAsync(original, context.RequestAborted);
    }

    private static async Task<byte[]> RequestHashAsync(HttpRequest request)
    {
        request.EnableBuffering();
        using var body = new MemoryStream();
        await request.Body.CopyToAsync(body, request.HttpContext.RequestAborted);
        request.Body.Position = 0;
        var target = Encoding.UTF8.GetBytes($"{request.Method} {request.Path}{request.QueryString}\n");
        return SHA256.HashData([.. target, .. body.ToArray()]);
    }

    /// <summary>Holds the key until the transaction ends; false when another request holds it now.</summary>
    private static async Task<bool> TryHoldAsync(NpgsqlConnection connection, Guid userId, string key, CancellationToken ct)
    {
        await using var hold = new NpgsqlCommand("SELECT pg_try_advisory_xact_lock(hashtextextended($1, 7))", connection)
            { Parameters = { new() { Value = $"idempotency:{userId}:{key}" } } };
        return (bool)(await hold.ExecuteScalarAsync(ct))!;
    }

    /// <summary>Answers from the stored record, if the key has one; false when the request is to run.</summary>
    private async Task<bool> ReplayAsync(HttpContext context, NpgsqlConnection connection, Guid userId, string key, byte[] hash)
    {
        await using var read = new NpgsqlCommand(
            "SELECT request_hash, status_code, content_type, location, body FROM idempotency_records WHERE user_id = $1 AND key = $2", connection)
            { Parameters = { new() { Value = userId }, new() { Value = key } } };
        await using var reader = await read.ExecuteReaderAsync(context.RequestAborted);
        if (!await reader.ReadAsync(context.RequestAborted) || reader.IsDBNull(1))
            return false;
        if (!reader.GetFieldValue<byte[]>(0).AsSpan().SequenceEqual(hash))
        {
            await ProblemAsync(context, ProblemException.Invalid(Header, "same-request", "This idempotency key was used for another request."));
            return true;
        }
        context.Response.StatusCode = reader.GetInt32(1);
        if (!reader.IsDBNull(2))
            context.Response.ContentType = reader.GetString(2);
        if (!reader.IsDBNull(3))
            context.Response.Headers.Location = reader.GetString(3);
        context.Response.Headers["Idempotency-Replayed"] = "true";
        if (!reader.IsDBNull(4))
            await context.Response.Body.WriteAsync(reader.GetFieldValue<byte[]>(4), context.RequestAborted);
        return true;
    }

    private static async Task StoreAsync(NpgsqlConnection connection, Guid userId, string key, byte[] hash, HttpResponse response, byte[] body,
        CancellationToken ct)
    {
        await using var store = new NpgsqlCommand("""
            INSERT INTO idempotency_records (user_id, key, request_hash, created_at, status_code, content_type, location, body)
            VALUES ($1, $2, $3, now(), $4, $5, $6, $7)
            ON CONFLICT (user_id, key) DO UPDATE SET request_hash = $3, created_at = now(), status_code = $4, content_type = $5, location = $6, body = $7
            """, connection)
        {
            Parameters =
            {
                new() { Value = userId }, new() { Value = key }, new() { Value = hash }, new() { Value = response.StatusCode },
                new() { Value = (object?)response.ContentType ?? DBNull.Value },
                new() { Value = response.Headers.Location.ToString() is { Length: > 0 } location ? location : DBNull.Value },
                new() { Value = body },
            },
        };
        await store.ExecuteNonQueryAsync(ct);
    }

    private async Task ProblemAsync(HttpContext context, ProblemException problem)
    {
        context.Response.StatusCode = problem.Status;
        await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = new ProblemDetails
            {
                Status = problem.Status, Title = problem.Title, Detail = problem.Message,
                Extensions = { ["violations"] = problem.Violations },
            },
        });
    }
}
