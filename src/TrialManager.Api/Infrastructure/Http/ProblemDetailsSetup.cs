using System.Diagnostics;
using TrialManager.Api.Infrastructure.Errors;

namespace TrialManager.Api.Infrastructure.Http;

public static class ProblemDetailsSetup
{
    /// <summary>Every error body is RFC 9457 problem details carrying the request id and the trace id.</summary>
    public static IServiceCollection AddTrialManagerProblemDetails(this IServiceCollection services)
    {
        services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
        {
            var problem = context.ProblemDetails;
            problem.Instance ??= context.HttpContext.Request.Path;
            if (problem.Status is { } status && (problem.Title is null || problem.Title == "An error occurred while processing your request."))
                problem.Title = ProblemExceptionHandler.TitleFor(status);
            problem.Extensions["requestId"] = context.HttpContext.TraceIdentifier;
            problem.Extensions["traceId"] = Activity.Current?.TraceId.ToString() ?? context.HttpContext.TraceIdentifier;
        });
        services.AddExceptionHandler<ProblemExceptionHandler>();
        return services;
    }
}
