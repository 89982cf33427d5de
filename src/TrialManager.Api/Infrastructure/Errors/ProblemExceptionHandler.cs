using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using TrialManager.Api.Infrastructure.Validation;

namespace TrialManager.Api.Infrastructure.Errors;

/// <summary>
/// The one place where exceptions become problem details. Known failures say what the caller can fix;
/// anything else is a 500 that names nothing internal (the details go to the log with the request id).
/// </summary>
internal sealed partial class ProblemExceptionHandler(IProblemDetailsService problems, ILogger<ProblemExceptionHandler> logger,
    TimeProvider clock)
    : IExceptionHandler
{
    /// <summary>How long a caller is asked to wait while the database is unreachable or restarting.</summary>
    public static readonly TimeSpan DatabaseRetryAfter = TimeSpan.FromSeconds(5);

    // Per host (the handler is a singleton), so that each process, and each test host, says it once.
    private long _lastOutageLog;

    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken ct)
    {
        var problem = Describe(exception);
        var retryAfter = (exception as ProblemException)?.RetryAfter;
        if (problem is null && DatabaseUnavailable(exception))
        {
            LogOutage(exception);
            retryAfter = DatabaseRetryAfter;
            problem = new ProblemDetails
            {
                Status = StatusCodes.Status503ServiceUnavailable,
                Detail = "The database is unavailable for the moment; nothing was changed. Retry after the time given.",
            };
        }
        if (retryAfter is { } wait)
            context.Response.Headers.RetryAfter = ((int)Math.Ceiling(wait.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
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

    /// <summary>
    /// The database is down, restarting or out of connections: an outage of a dependency, answered 503, not a bug.
    /// (A failure while a transaction commits is no different to the caller: its effect either is there or is not,
    /// and an Idempotency-Key retry finds out which.)
    /// </summary>
    public static bool DatabaseUnavailable(Exception exception)
    {
        for (var cause = exception; cause is not null; cause = cause.InnerException)
            switch (cause)
            {
                case PostgresException pg when pg.SqlState.StartsWith("08", StringComparison.Ordinal)
                    || pg.SqlState is PostgresErrorCodes.AdminShutdown or PostgresErrorCodes.CrashShutdown or PostgresErrorCodes.CannotConnectNow
                        or PostgresErrorCodes.TooManyConnections:
                case NpgsqlException { InnerException: System.Net.Sockets.SocketException or IOException or TimeoutException or EndOfStreamException }:
                case NpgsqlException { IsTransient: true } and not PostgresException:
                    return true;
            }
        return false;
    }

    /// <summary>Once per half minute: an outage fails every request, and one warning says it.</summary>
    private void LogOutage(Exception exception)
    {
        var now = clock.GetTimestamp();
        var last = Interlocked.Read(ref _lastOutageLog);
        if (last != 0 && clock.GetElapsedTime(last, now) < TimeSpan.FromSeconds(30))
            return;
        Interlocked.Exchange(ref _lastOutageLog, now);
        logger.LogWarning("The database (PostgreSQL) is unavailable: {Reason}. Requests answer 503 until it is back.", exception.GetBaseException().Message);
    }

    private static ProblemDetails? Describe(Exception exception) => exception switch
    {
        ProblemException p => WithViolations(new ProblemDetails { Status = p.Status, Title = p.Title, Detail = p.Message }, p.Violations),
        FluentValidation.ValidationException v => Describe(ProblemException.Invalid(
            v.Errors.Select(e => new Violation(e.PropertyName, RuleName(e.ErrorCode), e.ErrorMessage)).ToList())),
        BadHttpRequestException { InnerException: TextRuleException text } => Describe(ProblemException.Invalid(JsonPaths.ToField(text.Path) is { Length: > 0 } f ? f : "$", text.Rule, text.Message)),
        BadHttpRequestException { InnerException: JsonException json } => MalformedJson(json),
        BadHttpRequestException bad when Unbound(bad.Message) is { } unbound => unbound,
        BadHttpRequestException bad => new ProblemDetails { Status = bad.StatusCode, Title = TitleFor(bad.StatusCode), Detail = bad.Message },
        DbUpdateException { InnerException: PostgresException pg } => Database(pg),
        PostgresException pg => Database(pg),
        _ => null,
    };

    /// <summary>
    /// What the database refused although validation let it through: the last line of defence answers as the
    /// validators would have (naming the column where PostgreSQL does), never 500.
    /// </summary>
    private static ProblemDetails? Database(PostgresException pg)
    {
        var column = pg.ColumnName ?? (pg.Detail is { } detail && KeyColumns().Match(detail) is { Success: true } m ? m.Groups["columns"].Value : null);
        var field = column is null ? "$" : FieldOf(column.Split(',')[0].Trim());
        return pg.SqlState switch
        {
            PostgresErrorCodes.UniqueViolation => Duplicate(pg),
            PostgresErrorCodes.StringDataRightTruncation =>
                Invalid(field, "max-length", "A text is longer than its field allows."),
            PostgresErrorCodes.CharacterNotInRepertoire or PostgresErrorCodes.UntranslatableCharacter =>
                Invalid(field, "text", "A text holds a character that cannot be stored (such as a NUL character)."),
            PostgresErrorCodes.NotNullViolation => Invalid(field, "required", $"'{field}' is required."),
            PostgresErrorCodes.ForeignKeyViolation => Invalid(field, "exists", $"'{field}' names something that does not exist here."),
            PostgresErrorCodes.CheckViolation => Invalid(field, "check", "A value breaks a rule of its field."),
            PostgresErrorCodes.NumericValueOutOfRange or PostgresErrorCodes.DatetimeFieldOverflow =>
                Invalid(field, "range", "A number or date is outside the range its field can hold."),
            _ => null,
        };
    }

    private static ProblemDetails Invalid(string field, string rule, string message) =>
        Describe(ProblemException.Invalid(field, rule, message))!;

    /// <summary>"Failed to bind parameter "Nullable`1 entityId" from "x"." becomes a violation that names `entityId` and its type.</summary>
    private static ProblemDetails? Unbound(string message)
    {
        if (UnboundParameter().Match(message) is { Success: true } bind)
        {
            var field = JsonNamingPolicy.CamelCase.ConvertName(bind.Groups["name"].Value);
            var expected = bind.Groups["type"].Value switch
            {
                var t when t.Contains("Guid", StringComparison.Ordinal) => "a UUID",
                var t when t.Contains("DateTimeOffset", StringComparison.Ordinal) || t.Contains("DateTime", StringComparison.Ordinal) => "an ISO 8601 date and time",
                var t when t.Contains("DateOnly", StringComparison.Ordinal) => "a date (yyyy-MM-dd)",
                var t when t.Contains("Int", StringComparison.Ordinal) => "a whole number",
                var t when t.Contains("Boolean", StringComparison.Ordinal) || t.Contains("bool", StringComparison.Ordinal) => "true or false",
                _ => "a value of its type",
            };
            var problem = Describe(ProblemException.Invalid(field, "type", $"'{field}' must be {expected}."))!;
            problem.Status = StatusCodes.Status400BadRequest;
            problem.Title = TitleFor(StatusCodes.Status400BadRequest);
            return problem;
        }
        if (message.StartsWith("Implicit body inferred for parameter", StringComparison.Ordinal)
            || message.Contains("was not provided from body", StringComparison.Ordinal))
        {
            var problem = Describe(ProblemException.Invalid("$", "required", "The request needs a JSON body (an object)."))!;
            problem.Status = StatusCodes.Status400BadRequest;
            problem.Title = TitleFor(StatusCodes.Status400BadRequest);
            return problem;
        }
        if (MissingParameter().Match(message) is { Success: true } missing)
        {
            var field = JsonNamingPolicy.CamelCase.ConvertName(missing.Groups["name"].Value);
            var problem = Describe(ProblemException.Invalid(field, "required", $"'{field}' is required."))!;
            problem.Status = StatusCodes.Status400BadRequest;
            problem.Title = TitleFor(StatusCodes.Status400BadRequest);
            return problem;
        }
        return null;
    }

    private static string FieldOf(string column) => JsonNamingPolicy.CamelCase.ConvertName(string.Concat(
        column.Split('_').Select(part => part.Length == 0 ? part : char.ToUpperInvariant(part[0]) + part[1..])));

    [GeneratedRegex(@"^Key \((?<columns>[^)]+)\)")]
    private static partial Regex KeyColumns();

    [GeneratedRegex("^Failed to bind parameter \"(?<type>.+) (?<name>[^ \"]+)\" from")]
    private static partial Regex UnboundParameter();

    [GeneratedRegex("^Required parameter \"(?<type>.+) (?<name>[^ \"]+)\" was not provided")]
    private static partial Regex MissingParameter();

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
        var field = FieldOf(column);
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
        406 => "Not acceptable",
        409 => "Conflict",
        410 => "Gone",
        412 => "Precondition failed",
        413 => "Request body too large",
        415 => "Unsupported media type",
        422 => "Validation failed",
        428 => "Precondition required",
        429 => "Too many requests",
        500 => "Internal server error",
        503 => "Service unavailable",
        _ => "Error",
    };
}
