using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace TrialManager.Api.Infrastructure.Errors;

/// <summary>
/// The one place where exceptions become problem details. Known failures say what the caller can fix;
/// anything else is a 500 that names nothing internal (the details go to the log with the request id).
/// </summary>
internal sealed class ProblemExceptionHandler(IProblemDetailsService problems, ILogger<ProblemExceptionHandler> logger)
    : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken ct)
    {
        var problem = Describe(exception);
        if (problem is null)
        {
            logger.LogError(exception, "Unhandled exception for request {RequestId}", context.TraceIdentifier);
            problem = new ProblemDetails
            {
                Status = StatusCodes.Status500InternalServerError,
                Title = "Internal server error",
                Detail = "The server could not complete the request. Quote the request id when reporting it.",
            };
        }
        context.Response.StatusCode = problem.Status!.Value;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context, ProblemDetails = problem, Exception = exception,
        });
    }

    private static ProblemDetails? Describe(Exception exception) => exception switch
    {
        ProblemException p => WithViolations(new ProblemDetails { Status = p.Status, Title = p.Title, Detail = p.Message }, p.Violations),
        FluentValidation.ValidationException v => Describe(ProblemException.Invalid(
            v.Errors.Select(e => new Violation(e.PropertyName, RuleName(e.ErrorCode), e.ErrorMessage)).ToList())),
        BadHttpRequestException { InnerException: JsonException json } => MalformedJson(json),
        BadHttpRequestException bad => new ProblemDetails { Status = bad.StatusCode, Title = TitleFor(bad.StatusCode), Detail = bad.Message },
        DbUpdateException { InnerException: PostgresException { SqlState: PostgresErrorCodes.UniqueViolation } pg } => Duplicate(pg),
        _ => null,
    };

    private static ProblemDetails MalformedJson(JsonException json)
    {
        var field = JsonPaths.ToField(json.Path);
        var where = json.LineNumber is { } line ? $" (line {line + 1}, byte {json.BytePositionInLine + 1})" : "";
        var message = field.Length == 0
            ? $"The body is not valid JSON{where}."
            : $"'{field}' has a value of the wrong type or an unknown option{where}.";
        return WithViolations(new ProblemDetails
        {
            Status = StatusCodes.Status400BadRequest, Title = "Malformed request body", Detail = message,
        }, [new Violation(field.Length == 0 ? "$" : field, "json", message)]);
    }

    /// <summary>Unique indexes are named ux_{table}_{column}, so the duplicate field can be named.</summary>
    private static ProblemDetails Duplicate(PostgresException pg)
    {
        var prefix = $"ux_{pg.TableName}_";
        var column = pg.ConstraintName is { } name && name.StartsWith(prefix, StringComparison.Ordinal) ? name[prefix.Length..] : "code";
        var field = JsonNamingPolicy.CamelCase.ConvertName(string.Concat(
            column.Split('_').Select(part => part.Length == 0 ? part : char.ToUpperInvariant(part[0]) + part[1..])));
        var message = $"Another record already has this {field}; it must be unique.";
        return WithViolations(new ProblemDetails { Status = StatusCodes.Status409Conflict, Title = "Conflict", Detail = message },
            [new Violation(field, "unique", message)]);
    }

    private static ProblemDetails WithViolations(ProblemDetails problem, IReadOnlyList<Violation> violations)
    {
        if (violations.Count == 0)
            return problem;
        problem.Extensions["errors"] = violations.GroupBy(v => v.Field).ToDictionary(g => g.Key, g => g.Select(v => v.Message).ToArray());
        problem.Extensions["violations"] = violations;
        return problem;
    }

    /// <summary>FluentValidation's "NotEmptyValidator" becomes the rule name "not-empty".</summary>
    private static string RuleName(string errorCode) =>
        JsonNamingPolicy.KebabCaseLower.ConvertName(errorCode.EndsWith("Validator", StringComparison.Ordinal) ? errorCode[..^"Validator".Length] : errorCode);

    public static string TitleFor(int status) => status switch
    {
        400 => "Bad request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not found",
        405 => "Method not allowed",
        409 => "Conflict",
        412 => "Precondition failed",
        413 => "Request body too large",
        415 => "Unsupported media type",
        422 => "Validation failed",
        429 => "Too many requests",
        _ => "Error",
    };
}
