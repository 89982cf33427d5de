using System.Text.Json;
using FluentValidation;
using Mediator;
using Microsoft.EntityFrameworkCore;
using TrialManager.Api.Features.Access;
using TrialManager.Api.Features.Outcomes.Scoring;
using TrialManager.Api.Infrastructure.Errors;
using TrialManager.Api.Infrastructure.Http;
using TrialManager.Data;
using TrialManager.Data.Conventions;
using TrialManager.Data.Outcomes;
using TrialManager.Data.Participants;
using TrialManager.Api.Infrastructure.Mediation;
using TrialManager.Api.Infrastructure.Telemetry;
using TrialManager.Api.Infrastructure.Validation;

namespace TrialManager.Api.Features.Outcomes;

/// <summary>
/// Saves a participant's answers to one instrument at one timepoint. Every item is checked and every problem
/// reported at once; nothing is written on failure. The server computes the scores with the instrument version the
/// assessment was first entered with (scores sent by the client are ignored). Editing a complete or verified
/// assessment needs a reason and leaves it complete; a locked one refuses. An existing assessment is changed only
/// with the ETag it was last read with (If-Match), so no update is lost.
/// </summary>
public static class SaveAssessment
{
    public sealed record Body(Dictionary<string, JsonElement>? Answers, string? Status, DateOnly? AssessedOn, string? Reason);

    public sealed record Command(Guid TrialId, Guid ParticipantId, string TimepointCode, string InstrumentCode, Body Body, string? IfMatch)
        : ICommand<(AssessmentView View, bool Created)>, ITrialRequest, IHasReason
    {
        public string? Reason => Body.Reason;
        public static TrialPermission Permission => TrialPermission.SaveAssessments;
    }

    public sealed class Validator : AbstractValidator<Command>
    {
        public Validator() => RuleFor(c => c.Body.Reason).IsReason().OverridePropertyName("reason");
    }

    private static readonly ParticipantStatus[] NoFollowUp = [ParticipantStatus.WithdrawnFollowUp, ParticipantStatus.WithdrawnData, ParticipantStatus.Died];

    public sealed class Handler(TrialManagerDbContext db, TrialCaller caller, CurrentUser user, TimeProvider clock,
        PublishedInstruments instruments)
        : ICommandHandler<Command, (AssessmentView, bool)>
    {
        public async ValueTask<(AssessmentView, bool)> Handle(Command command, CancellationToken ct)
        {
            // Everything the save depends on in one round trip: a save is mostly round trips.
            var found = await SiteScope.Participants(db, caller).Where(p => p.Id == command.ParticipantId)
                .Select(p => new
                {
                    p.Status, p.Kind, p.BaselineDate,
                    Timepoint = db.Timepoints.FirstOrDefault(t => t.TrialId == command.TrialId && t.Code == command.TimepointCode),
                    ScheduledFor = db.ScheduleEntries.Where(e => e.TrialId == command.TrialId && e.TimepointCode == command.TimepointCode
                        && e.InstrumentCode == command.InstrumentCode).Select(e => e.ParticipantKind).ToList(),
                    // By the command's id, not p.Id: uncorrelated, it is a LIMIT 1 on the unique index, not a window over the table.
                    Existing = db.Assessments.FirstOrDefault(a => a.ParticipantId == command.ParticipantId
                        && a.TimepointCode == command.TimepointCode && a.InstrumentCode == command.InstrumentCode),
                    LatestVersion = db.Instruments.Where(i => i.TrialId == command.TrialId && i.Code == command.InstrumentCode)
                        .Max(i => (int?)i.Version),
                })
                .SingleOrDefaultAsync(ct)
                ?? throw ProblemException.NotFound("participant");
            if (NoFollowUp.Contains(found.Status))
                throw ProblemException.Conflict(
                    $"The participant is {KebabCaseEnumConverter<ParticipantStatus>.ToWord(found.Status)}: no assessment can be recorded.");
            var timepoint = found.Timepoint ?? throw ProblemException.NotFound("timepoint");
            var kind = KebabCaseEnumConverter<ParticipantKind>.ToWord(found.Kind);
            if (!found.ScheduledFor.Contains(kind))
                throw ProblemException.Invalid("instrumentCode", "scheduled",
                    $"{command.InstrumentCode} is not scheduled at {command.TimepointCode} for a {kind} participant.");

            var existing = found.Existing;
            CheckPrecondition(existing, command.IfMatch);
            var status = CheckStatus(existing, command.Body);
            // The version the assessment was entered with, or for a new one the latest.
            var version = existing?.InstrumentVersion ?? found.LatestVersion ?? throw ProblemException.NotFound("instrument");
            var definition = await instruments.DefinitionAsync(db, command.TrialId, command.InstrumentCode, version, ct)
                ?? throw ProblemException.NotFound("instrument");

            var answers = command.Body.Answers ?? [];
            var problems = InstrumentRules.CheckAnswers(definition, answers, status == "complete").ToList();
            if (command.Body.AssessedOn is not { } assessedOn)
                problems.Add(new Violation("assessedOn", "not-empty", "'assessedOn' is the date of the assessment."));
            else if (assessedOn > DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime))
                problems.Add(new Violation("assessedOn", "not-in-future", "An assessment cannot be dated in the future."));
            else if (assessedOn.DayNumber < found.BaselineDate.DayNumber - timepoint.WindowDaysBefore)
                problems.Add(new Violation("assessedOn", "after-baseline",
                    $"An assessment cannot be dated before the participant's baseline ({found.BaselineDate:yyyy-MM-dd}) less the timepoint's window."));
            if (problems.Count > 0)
                throw ProblemException.Invalid(problems);

            var window = FollowUpWindows.For(found.BaselineDate, timepoint.OffsetDays, timepoint.WindowDaysBefore, timepoint.WindowDaysAfter);
            var outside = FollowUpWindows.DaysOutside(window, command.Body.AssessedOn!.Value);
            var assessment = existing ?? new Assessment
            {
                Id = Guid.CreateVersion7(clock.GetUtcNow()), TrialId = command.TrialId, ParticipantId = command.ParticipantId,
                TimepointCode = command.TimepointCode, InstrumentCode = command.InstrumentCode, Answers = "{}", Scores = "{}", Status = status,
            };
            assessment.InstrumentVersion = version;
            assessment.Answers = JsonSerializer.Serialize(definition.Items.Where(i => answers.ContainsKey(i.Code)).ToDictionary(i => i.Code, i => answers[i.Code]));
            assessment.Scores = JsonSerializer.Serialize(InstrumentRules.Score(definition, answers));
            assessment.Status = status;
            assessment.AssessedOn = command.Body.AssessedOn.Value;
            assessment.OutOfWindow = outside != 0;
            assessment.DaysOutOfWindow = outside;
            assessment.AssessedBy = user.Id;
            assessment.UpdatedAt = clock.GetUtcNow();
            assessment.Revision++;
            if (existing is null)
                db.Assessments.Add(assessment);
            return (AssessmentView.Of(assessment), existing is null);
        }

        private static void CheckPrecondition(Assessment? existing, string? ifMatch)
        {
            if (existing is not null && ifMatch is null)
                throw new ProblemException(StatusCodes.Status428PreconditionRequired, "Precondition required",
                    "Changing an existing assessment needs the ETag it was read with, in If-Match.");
            if (ifMatch is not null && ifMatch != "*" && (existing is null || ifMatch != AssessmentView.Of(existing).ETag))
                throw new ProblemException(StatusCodes.Status412PreconditionFailed, "Precondition failed",
                    "The assessment has changed since it was read: read it again and reapply the change.");
        }

        /// <summary>The status after this save: draft → complete; complete and verified stay complete, and then need a reason.</summary>
        private static string CheckStatus(Assessment? existing, Body body)
        {
            var status = body.Status ?? "draft";
            if (status is not ("draft" or "complete"))
                throw ProblemException.Invalid("status", "one-of", "'status' is draft or complete.");
            if (existing?.Status == "locked")
                throw ProblemException.Conflict("The assessment is locked.");
            if (existing?.Status is "complete" or "verified")
            {
                if (status == "draft")
                    throw ProblemException.Invalid("status", "stays-complete", "A complete assessment cannot return to draft.");
                if (string.IsNullOrWhiteSpace(body.Reason))
                    throw ProblemException.Invalid("reason", "required-for-change", "Changing a complete assessment needs a reason.");
            }
            return status;
        }
    }

    public static void Map(RouteGroupBuilder trial)
    {
        trial.MapPut("/participants/{participantId:guid}/assessments/{timepointCode}/{instrumentCode}",
                async Task<Microsoft.AspNetCore.Http.HttpResults.Results<Microsoft.AspNetCore.Http.HttpResults.Created<AssessmentView>,
                    Microsoft.AspNetCore.Http.HttpResults.Ok<AssessmentView>>> (Guid trialId, Guid participantId, string timepointCode,
                    string instrumentCode, Body body, HttpContext http, IMediator mediator, TrialManagerMetrics metrics, IdempotentRequest idempotency,
                    CancellationToken ct) =>
                {
                    var ifMatch = http.Request.Headers.IfMatch.ToString() is { Length: > 0 } header ? header : null;
                    var (view, created) = await mediator.Send(new Command(trialId, participantId, timepointCode, instrumentCode, body, ifMatch), ct);
                    if (!idempotency.Replayed)
                        metrics.AssessmentSaved(created, view.Status);
                    http.Response.Headers.ETag = view.ETag;
                    return created
                        ? TypedResults.Created($"/api/v1/trials/{trialId}/participants/{participantId}/assessments/{timepointCode}/{instrumentCode}", view)
                        : TypedResults.Ok(view);
                })
            .WithName("SaveAssessment")
            .WithSummary("Save an assessment: answers, status, date; the server validates and scores (If-Match with the ETag to change one)")
            .TrialWrite().ProducesErrors(412, 428)
            .ReadsHeader("If-Match", "The ETag the assessment was read with; needed to change an existing assessment (428 without it, 412 when it has changed since).")
            .SetsHeader(StatusCodes.Status200OK, "ETag", "The saved assessment's version, for the next If-Match.")
            .SetsHeader(StatusCodes.Status201Created, "ETag", "The saved assessment's version, for the next If-Match.");
    }
}
