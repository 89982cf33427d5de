using TrialManager.Api.Features.Access;
using TrialManager.Api.Features.Audit;
using TrialManager.Api.Features.Exports;
using TrialManager.Api.Features.Jobs;
using TrialManager.Api.Features.Outcomes;
using TrialManager.Api.Features.Participants;
using TrialManager.Api.Features.Reminders;
using TrialManager.Api.Features.Reports;
using TrialManager.Api.Features.Randomisation;
using TrialManager.Api.Features.Sessions;
using TrialManager.Api.Features.Trials;

namespace TrialManager.Api;

/// <summary>The route table of API v1: one line per use case, grouped by feature.</summary>
public static class ApiEndpoints
{
    public const string Prefix = "/api/v1";

    public static void MapApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup(Prefix).RequireAuthorization();

        GetMe.Map(api);
        SignIn.Map(api);
        SignOut.Map(api);
        ManageUsers.Map(api);
        ManageTokens.Map(api);
        ReadAuditTrail.MapSystem(api);
        ManageInstruments.MapLibrary(api);
        RecurringJobs.Map(api);
        ReadExport.Map(api);

        CreateTrial.Map(api);
        ListTrials.Map(api);
        GetTrial.Map(api);
        UpdateTrial.Map(api);
        var trial = api.MapGroup("/trials/{trialId:guid}");
        ManageMembers.Map(trial);
        CreateSite.Map(trial);
        ReadSites.Map(trial);
        UpdateSite.Map(trial);
        CreateCluster.Map(trial);
        ReadClusters.Map(trial);
        UpdateCluster.Map(trial);

        EnrolParticipant.Map(trial);
        ReadParticipants.Map(trial);
        UpdateParticipant.Map(trial);

        DefineScheme.Map(trial);
        SealScheme.Map(trial);
        PreviewScheme.Map(trial);
        Allocate.Map(trial);
        ReadAllocations.Map(trial);
        Unblind.Map(trial);

        ManageInstruments.Map(trial);
        ManageSchedule.Map(trial);
        SaveAssessment.Map(trial);
        ReadAssessments.Map(trial);
        DataQueries.Map(trial);
        AssessorBlinding.Map(trial);
        TrialReports.Map(trial);
        ReadReminders.Map(trial);
        RequestExport.Map(trial);

        ReadAuditTrail.Map(trial);
        VerifyAuditTrail.Map(trial);
    }
}
