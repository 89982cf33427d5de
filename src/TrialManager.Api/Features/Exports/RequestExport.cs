using System.Text.Json;
using FluentValidation;
using Hangfire;
using Mediator;
using Microsoft.EntityFrameworkCore;
using TrialManager.Api.Features.Access;
using TrialManager.Api.Features.Audit;
using TrialManager.Api.Features.Blinding;
using TrialManager.Api.Infrastructure;
using TrialManager.Api.Infrastructure.Errors;
using TrialManager.Api.Infrastructure.Http;
using TrialManager.Data;
using TrialManager.Data.Access;
using TrialManager.Data.Conventions;
using TrialManager.Data.Exports;

namespace TrialManager.Api.Features.Exports;

/// <summary>An export as its requester and readers see it.</summary>
public sealed record ExportView(Guid Id, Guid TrialId, string Format, bool Blinded, string Status, int Progress,
    IReadOnlyDictionary<string, long>? RowCounts, long? SizeBytes, string? Sha256, DateTimeOffset? ExpiresAt, string? Error,
    DateTimeOffset RequestedAt, DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt, IReadOnlyList<string>? Timepoints,
    IReadOnlyList<string>? Instruments, bool FileAvailable)
{
    public static ExportView Of(Export e) => new(e.Id, e.TrialId, e.Format, e.Blinded, e.Status, e.Progress,
        e.RowCounts is null ? null : JsonSerializer.Deserialize<Dictionary<string, long>>(e.RowCounts), e.SizeBytes, e.Sha256, e.ExpiresAt,
        e.Error, e.RequestedAt, e.StartedAt, e.FinishedAt, e.Timepoints, e.Instruments, e.FileKey is not null);
}

/// <summary>
/// A statistician (or the trial manager, or a monitor) asks for an extract; a worker writes it. Blinded callers get a
/// blinded extract whatever they ask; an unblinded extract is for those who see every arm only (unblinded roles and
/// users unblinded for the whole trial), and asking for one is
/// recorded as an access to unblinded data (as is every fetch of its file). Extracts can be asked for after lock:
/// that is when the final analysis needs them.
/// </summary>
public static class RequestExport
{
    public static readonly string[] Formats = ["csv", "odm"];

    public sealed record Command(string? Format, bool? Blinded, IReadOnlyList<string>? Timepoints, IReadOnlyList<string>? Instruments)
        : ICommand<ExportView>, ITrialRequest
    {
        [System.Text.Json.Serialization.JsonIgnore]
        public Guid TrialId { get; init; }

        public static TrialPermission Permission => TrialPermission.RequestExports;
    }

    public sealed class Validator : AbstractValidator<Command>
    {
        public Validator()
        {
            RuleFor(c => c.Format).NotEmpty().Must(f => Formats.Contains(f)).WithErrorCode("one-of").WithMessage("'format' is csv or odm.");
            RuleForEach(c => c.Timepoints).NotEmpty();
            RuleForEach(c => c.Instruments).NotEmpty();
        }
    }

    public sealed class Handler(TrialManagerDbContext db, CurrentUser user, TrialCaller caller, CallerBlinding blinding, AccessAudit access, TimeProvider clock)
        : ICommandHandler<Command, ExportView>
    {
        public async ValueTask<ExportView> Handle(Command command, CancellationToken ct)
        {
            var problems = new List<Violation>();
            if (command.Timepoints is { } timepoints)
            {
                var known = await db.Timepoints.Where(t => t.TrialId == command.TrialId).Select(t => t.Code).ToListAsync(ct);
                problems.AddRange(timepoints.Select((code, i) => (code, i)).Where(t => !known.Contains(t.code))
                    .Select(t => new Violation($"timepoints[{t.i}]", "exists", $"The trial has no timepoint '{t.code}'.")));
            }
            if (command.Instruments is { } instruments)
            {
                var known = await db.Instruments.Where(i => i.TrialId == command.TrialId).Select(i => i.Code).Distinct().ToListAsync(ct);
                problems.AddRange(instruments.Select((code, i) => (code, i)).Where(t => !known.Contains(t.code))
                    .Select(t => new Violation($"instruments[{t.i}]", "exists", $"The trial has no instrument '{t.code}'.")));
            }
            if (problems.Count > 0)
                throw ProblemException.Invalid(problems);

            var now = clock.GetUtcNow();
            var export = new Export
            {
                Id = Guid.CreateVersion7(now), TrialId = command.TrialId, RequestedBy = user.Id,
                RequesterRole = KebabCaseEnumConverter<TrialRole>.ToWord(caller.Role!.Value),
                Format = command.Format!,
                // Blinding is the server's decision: only a caller who sees every arm can lift it, and only by asking.
                Blinded = command.Blinded is not false || !await blinding.SeesEveryArmAsync(ct),
                Timepoints = command.Timepoints?.Distinct().ToArray(),
                Instruments = command.Instruments?.Distinct().ToArray(),
                Status = ExportJob.Queued,
                RequestedAt = now,
            };
            db.Exports.Add(export);
            if (!export.Blinded)
                await access.RecordAsync(command.TrialId, "export", export.Id, $"unblinded extract requested ({export.Format})", ct);
            return ExportView.Of(export);
        }
    }

    public static void Map(RouteGroupBuilder trial) =>
        trial.MapPost("/exports", async (Guid trialId, Command command, IMediator mediator, IBackgroundJobClient jobs, Faults faults,
                CancellationToken ct) =>
            {
                var export = await mediator.Send(command with { TrialId = trialId }, ct);
                await faults.PauseAsync(Faults.ExportQueued);
                // Queued once the export row is committed, so that a worker always finds it.
                jobs.Enqueue<ExportJob>(job => job.RunAsync(export.Id, null, CancellationToken.None));
                return TypedResults.Accepted($"/api/v1/exports/{export.Id}", export);
            })
            .WithName("RequestExport")
            .WithSummary("Request an extract (csv or odm), written by a background job; blinded for blinded roles whatever they ask")
            .TrialWrite()
            .SetsHeader(StatusCodes.Status202Accepted, "Location", "The export's status, to poll until it has succeeded.");
}
