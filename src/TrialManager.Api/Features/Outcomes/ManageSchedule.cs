using FluentValidation;
using Mediator;
using Microsoft.EntityFrameworkCore;
using TrialManager.Api.Features.Access;
using TrialManager.Api.Infrastructure;
using TrialManager.Api.Infrastructure.Errors;
using TrialManager.Api.Infrastructure.Http;
using TrialManager.Data;
using TrialManager.Data.Conventions;
using TrialManager.Data.Outcomes;
using TrialManager.Data.Participants;
using TrialManager.Api.Infrastructure.Mediation;
using TrialManager.Api.Infrastructure.Validation;

namespace TrialManager.Api.Features.Outcomes;

/// <summary>Timepoints (target offset from baseline, window before and after) and the schedule of what is due when, for whom.</summary>
public static class ManageSchedule
{
    public sealed record CreateTimepoint(string? Code, string? Label, int? OffsetDays, int? WindowDaysBefore, int? WindowDaysAfter, string? Reason)
        : ICommand<TimepointView>, ITrialRequest, IHasReason
    {
        [System.Text.Json.Serialization.JsonIgnore]
        public Guid TrialId { get; init; }

        public static TrialPermission Permission => TrialPermission.DesignOutcomes;
    }

    public sealed class TimepointValidator : AbstractValidator<CreateTimepoint>
    {
        public TimepointValidator()
        {
            RuleFor(c => c.Code).IsCode();
            RuleFor(c => c.Label).IsTitle();
            RuleFor(c => c.OffsetDays).NotNull().InclusiveBetween(0, 36500);
            RuleFor(c => c.WindowDaysBefore).NotNull().InclusiveBetween(0, 3650);
            RuleFor(c => c.WindowDaysAfter).NotNull().InclusiveBetween(0, 3650);
            RuleFor(c => c.Reason).IsReason();
        }
    }

    /// <summary>`entries` is required: a missing list is a mistake, not a request to empty the schedule (that is `[]`).</summary>
    public sealed class ScheduleValidator : AbstractValidator<PutSchedule>
    {
        public ScheduleValidator()
        {
            RuleFor(c => c.Entries).NotNull().WithErrorCode("required").WithMessage("'entries' is required; send [] to empty the schedule.");
            RuleFor(c => c.Reason).IsReason();
        }
    }

    public sealed record Entry(string? TimepointCode, string? InstrumentCode, string? ParticipantKind);

    public sealed record PutSchedule(IReadOnlyList<Entry>? Entries, string? Reason) : ICommand<ScheduleView>, ITrialRequest, IHasReason
    {
        [System.Text.Json.Serialization.JsonIgnore]
        public Guid TrialId { get; init; }

        public static TrialPermission Permission => TrialPermission.DesignOutcomes;
    }

    public sealed record TimepointsQuery(Guid TrialId) : IQuery<Page<TimepointView>>, ITrialRequest
    {
        public static TrialPermission Permission => TrialPermission.ReadOutcomeDesign;
    }

    public sealed record ScheduleQuery(Guid TrialId) : IQuery<ScheduleView>, ITrialRequest
    {
        public static TrialPermission Permission => TrialPermission.ReadOutcomeDesign;
    }

    public sealed class Handler(TrialManagerDbContext db, TimeProvider clock)
        : ICommandHandler<CreateTimepoint, TimepointView>, ICommandHandler<PutSchedule, ScheduleView>,
            IQueryHandler<TimepointsQuery, Page<TimepointView>>, IQueryHandler<ScheduleQuery, ScheduleView>
    {
        public ValueTask<TimepointView> Handle(CreateTimepoint command, CancellationToken ct)
        {
            var timepoint = new Timepoint
            {
                Id = Guid.CreateVersion7(clock.GetUtcNow()), TrialId = command.TrialId, Code = command.Code!, Label = command.Label!,
                OffsetDays = command.OffsetDays!.Value, WindowDaysBefore = command.WindowDaysBefore!.Value, WindowDaysAfter = command.WindowDaysAfter!.Value,
            };
            db.Timepoints.Add(timepoint);
            return ValueTask.FromResult(TimepointView.Of(timepoint));
        }

        /// <summary>The schedule is replaced as a whole; every entry names a timepoint and an instrument of the trial.</summary>
        public async ValueTask<ScheduleView> Handle(PutSchedule command, CancellationToken ct)
        {
            var entries = command.Entries ?? [];
            var timepoints = await db.Timepoints.Where(t => t.TrialId == command.TrialId).Select(t => t.Code).ToListAsync(ct);
            var instruments = await db.Instruments.Where(i => i.TrialId == command.TrialId).Select(i => i.Code).Distinct().ToListAsync(ct);
            var problems = new List<Violation>();
            for (var i = 0; i < entries.Count; i++)
            {
                if (!timepoints.Contains(entries[i].TimepointCode ?? ""))
                    problems.Add(new Violation($"entries[{i}].timepointCode", "exists", "No such timepoint in this trial."));
                if (!instruments.Contains(entries[i].InstrumentCode ?? ""))
                    problems.Add(new Violation($"entries[{i}].instrumentCode", "exists", "No such instrument in this trial."));
                if (!KebabCaseEnumConverter<ParticipantKind>.TryFromWord(entries[i].ParticipantKind ?? "", out _))
                    problems.Add(new Violation($"entries[{i}].participantKind", "one-of", "'participantKind' is patient or staff."));
            }
            if (entries.Distinct().Count() != entries.Count)
                problems.Add(new Violation("entries", "unique", "An entry is listed once."));
            if (problems.Count > 0)
                throw ProblemException.Invalid(problems);
            db.ScheduleEntries.RemoveRange(await db.ScheduleEntries.Where(e => e.TrialId == command.TrialId).ToListAsync(ct));
            db.ScheduleEntries.AddRange(entries.Select((e, i) => new ScheduleEntry
            {
                Id = Guid.CreateVersion7(clock.GetUtcNow()), TrialId = command.TrialId, TimepointCode = e.TimepointCode!,
                InstrumentCode = e.InstrumentCode!, ParticipantKind = e.ParticipantKind!, Position = i,
            }));
            return new ScheduleView(entries.Select(e => new ScheduleEntryView(e.TimepointCode!, e.InstrumentCode!, e.ParticipantKind!)).ToList());
        }

        /// <summary>A trial has a handful of timepoints: one page, in the order of the schedule (by offset), never a next one.</summary>
        public async ValueTask<Page<TimepointView>> Handle(TimepointsQuery query, CancellationToken ct) =>
            new((await db.Timepoints.AsNoTracking().Where(t => t.TrialId == query.TrialId).OrderBy(t => t.OffsetDays).ToListAsync(ct))
                .Select(TimepointView.Of).ToList(), null);

        public async ValueTask<ScheduleView> Handle(ScheduleQuery query, CancellationToken ct) =>
            new((await db.ScheduleEntries.AsNoTracking().Where(e => e.TrialId == query.TrialId).OrderBy(e => e.Position).ToListAsync(ct))
                .Select(e => new ScheduleEntryView(e.TimepointCode, e.InstrumentCode, e.ParticipantKind)).ToList());
    }

    public static void Map(RouteGroupBuilder trial)
    {
        trial.MapPost("/timepoints", async (Guid trialId, CreateTimepoint command, IMediator mediator, CancellationToken ct) =>
            {
                var timepoint = await mediator.Send(command with { TrialId = trialId }, ct);
                return TypedResults.Created($"/api/v1/trials/{trialId}/timepoints/{timepoint.Code}", timepoint);
            })
            .WithName("CreateTimepoint")
            .WithSummary("Add a timepoint: target offset from baseline and its window (trial manager)")
            .TrialWrite();
        trial.MapGet("/timepoints", async (Guid trialId, IMediator mediator, CancellationToken ct) =>
                TypedResults.Ok(await mediator.Send(new TimepointsQuery(trialId), ct)))
            .WithName("ListTimepoints")
            .WithSummary("The trial's timepoints")
            .TrialRead();
        trial.MapPut("/schedule", async (Guid trialId, PutSchedule command, IMediator mediator, CancellationToken ct) =>
                TypedResults.Ok(await mediator.Send(command with { TrialId = trialId }, ct)))
            .WithName("PutSchedule")
            .WithSummary("Replace the schedule: which instruments are due at which timepoint for which participant kind (trial manager)")
            .TrialWrite();
        trial.MapGet("/schedule", async (Guid trialId, IMediator mediator, CancellationToken ct) =>
                TypedResults.Ok(await mediator.Send(new ScheduleQuery(trialId), ct)))
            .WithName("GetSchedule")
            .WithSummary("The schedule")
            .TrialRead();
    }
}
