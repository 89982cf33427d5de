using TrialManager.Data.Access;
using TrialManager.Data.Trials;

namespace TrialManager.Api.Features.Access;

/// <summary>What a request does to a trial; each request type names exactly one.</summary>
public enum TrialPermission
{
    ReadTrial,
    ManageTrial,
    ReadMembers,
    ManageMembers,
    ReadSites,
    ConfigureSites,
    ReadClusters,
    ConfigureClusters,
    ReadParticipants,
    EnrolParticipants,
    UpdateParticipants,
    ReadAuditTrail,
    CheckpointAuditTrail,
    ReadScheme,
    DefineScheme,
    PreviewScheme,
    Allocate,
    ReadAllocations,
    RevealScheme,
    Unblind,
    ReadOutcomeDesign,
    DesignOutcomes,
    ReadAssessments,
    SaveAssessments,
    ReadQueries,
    RaiseQueries,
    AnswerQueries,
    RecordBlinding,
    ReadReports,
    ReadReminders,
    RequestExports,
    ReadExports,
}

public enum TrialAccess
{
    Allowed,
    /// <summary>404: the caller may not learn that the trial exists.</summary>
    Hidden,
    /// <summary>403: the caller knows the trial but their role does not allow this.</summary>
    Forbidden,
    /// <summary>409: the trial is locked and the request would change its data.</summary>
    Locked,
}

/// <summary>
/// Who may do what in a trial: the whole rule set in one table, without I/O, so that it can be read and
/// tested as a matrix. System admins set trials up and grant roles but see no trial data without a role.
/// </summary>
public static class TrialPolicy
{
    /// <param name="LocksTrial">Takes the trial row exclusively: changes to the trial itself, and allocations, which
    /// must happen one at a time per trial.</param>
    private sealed record Rule(TrialRole[] Roles, bool SystemAdmin = false, bool ChangesTrialData = false, bool LocksTrial = false);

    private static readonly TrialRole[] AllRoles = Enum.GetValues<TrialRole>();
    private static readonly TrialRole[] Manager = [TrialRole.TrialManager];
    private static readonly TrialRole[] DataEntry = [TrialRole.TrialManager, TrialRole.Researcher];
    private static readonly TrialRole[] Auditors = [TrialRole.TrialManager, TrialRole.Monitor];
    private static readonly TrialRole[] ExportReaders =
        [TrialRole.TrialManager, TrialRole.Statistician, TrialRole.UnblindedStatistician, TrialRole.Monitor];

    private static readonly Dictionary<TrialPermission, Rule> Rules = new()
    {
        [TrialPermission.ReadTrial] = new(AllRoles, SystemAdmin: true),
        [TrialPermission.ManageTrial] = new(Manager, ChangesTrialData: true, LocksTrial: true),
        [TrialPermission.ReadMembers] = new(Manager, SystemAdmin: true),
        // Access management is not trial data: monitors and auditors may still be granted after lock.
        [TrialPermission.ManageMembers] = new([], SystemAdmin: true),
        // Admins see the sites so that they can name a researcher's sites in a grant.
        [TrialPermission.ReadSites] = new(AllRoles, SystemAdmin: true),
        [TrialPermission.ConfigureSites] = new(Manager, ChangesTrialData: true),
        [TrialPermission.ReadClusters] = new(AllRoles),
        [TrialPermission.ConfigureClusters] = new(Manager, ChangesTrialData: true),
        [TrialPermission.ReadParticipants] = new(AllRoles),
        [TrialPermission.EnrolParticipants] = new(DataEntry, ChangesTrialData: true),
        [TrialPermission.UpdateParticipants] = new(DataEntry, ChangesTrialData: true),
        // Monitors audit; admins may read the trail too (redacted as for any blinded reader).
        [TrialPermission.ReadAuditTrail] = new(Auditors, SystemAdmin: true),
        [TrialPermission.CheckpointAuditTrail] = new(Auditors, SystemAdmin: true),
        // The scheme's design is not secret (its seed is, and no view carries it); researchers have no use for it.
        [TrialPermission.ReadScheme] = new([TrialRole.TrialManager, TrialRole.Statistician, TrialRole.UnblindedStatistician, TrialRole.Monitor]),
        [TrialPermission.DefineScheme] = new(Manager, ChangesTrialData: true),
        // Preview allocates nothing and shows no arm: the trial statistician tunes the design with it.
        [TrialPermission.PreviewScheme] = new([TrialRole.TrialManager, TrialRole.Statistician, TrialRole.UnblindedStatistician]),
        [TrialPermission.Allocate] = new(Manager, ChangesTrialData: true, LocksTrial: true),
        // Who sees arms is the blinding rules' to say (Blinding/BlindingRules): the unblinded roles, and anyone the
        // planned unblinding of the whole trial names. The handlers ask them; every other member gets 403.
        [TrialPermission.ReadAllocations] = new(AllRoles),
        [TrialPermission.RevealScheme] = new(AllRoles),
        // Unblinding is recorded after lock too: the planned unblinding of the statistician happens then.
        [TrialPermission.Unblind] = new(Manager),
        [TrialPermission.ReadOutcomeDesign] = new(AllRoles),
        [TrialPermission.DesignOutcomes] = new(Manager, ChangesTrialData: true),
        [TrialPermission.ReadAssessments] = new(AllRoles),
        [TrialPermission.SaveAssessments] = new(DataEntry, ChangesTrialData: true),
        [TrialPermission.ReadQueries] = new([TrialRole.TrialManager, TrialRole.Researcher, TrialRole.Monitor]),
        // Monitors raise and close queries and verify source data; researchers answer.
        [TrialPermission.RaiseQueries] = new([TrialRole.Monitor], ChangesTrialData: true),
        [TrialPermission.AnswerQueries] = new(DataEntry, ChangesTrialData: true),
        // Assessors record guesses and breaches; the blind is theirs. (After lock too: a breach may surface late.)
        [TrialPermission.RecordBlinding] = new([TrialRole.Researcher]),
        [TrialPermission.ReadReports] = new(AllRoles),
        // Who follows participants up: the manager and monitors for the whole trial, researchers for their sites.
        [TrialPermission.ReadReminders] = new([TrialRole.TrialManager, TrialRole.Researcher, TrialRole.Monitor]),
        // Extracts are for analysis and monitoring, blinded unless an unblinded role asks otherwise; researchers collect
        // the data and have no use for them. Not a change to trial data: the final analysis needs extracts after lock.
        [TrialPermission.RequestExports] = new(ExportReaders),
        [TrialPermission.ReadExports] = new(ExportReaders),
    };

    public static TrialAccess Decide(TrialPermission permission, bool isSystemAdmin, TrialRole? role, TrialStatus status)
    {
        var rule = Rules[permission];
        var allowed = (role is { } r && rule.Roles.Contains(r)) || (isSystemAdmin && rule.SystemAdmin);
        if (!allowed)
            return role is null && !isSystemAdmin ? TrialAccess.Hidden : TrialAccess.Forbidden;
        return rule.ChangesTrialData && status == TrialStatus.Locked ? TrialAccess.Locked : TrialAccess.Allowed;
    }

    public static bool ChangesTrialData(TrialPermission permission) => Rules[permission].ChangesTrialData;

    public static bool LocksTrial(TrialPermission permission) => Rules[permission].LocksTrial;

    /// <summary>Researchers work at named sites; every other role sees the whole trial.</summary>
    public static bool IsSiteScoped(TrialRole role) => role == TrialRole.Researcher;
}
