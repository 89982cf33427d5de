using System.Globalization;
using System.Xml;
using TrialManager.Api.Features.Outcomes.Scoring;
using static TrialManager.Api.Features.Exports.OdmXml;

namespace TrialManager.Api.Features.Exports;

/// <summary>
/// The Study element: global variables, empty basic definitions and one MetaDataVersion. ODM fixes the order of a
/// MetaDataVersion's children (Protocol, StudyEventDef, FormDef, ItemGroupDef, ItemDef, CodeList), so each kind is
/// written in its own pass over the design.
/// </summary>
internal static class OdmMetadata
{
    /// <param name="clusters">Positioned on its first cluster when <paramref name="anyCluster"/>; read to its end for the cluster code list.</param>
    public static async Task WriteStudyAsync(XmlWriter w, OdmDesign design, IAsyncEnumerator<ExtractCluster> clusters, bool anyCluster)
    {
        var header = design.Header;
        await StartAsync(w, "Study");
        await AttributeAsync(w, "OID", design.StudyOid);

        await StartAsync(w, "GlobalVariables");
        await w.WriteElementStringAsync(null, "StudyName", Namespace, Clean(header.TrialCode));
        await w.WriteElementStringAsync(null, "StudyDescription", Namespace, Clean(header.TrialTitle));
        await w.WriteElementStringAsync(null, "ProtocolName", Namespace, Clean(header.TrialCode));
        await EndAsync(w);

        await StartAsync(w, "BasicDefinitions");
        await EndAsync(w);

        await StartAsync(w, "MetaDataVersion");
        await AttributeAsync(w, "OID", design.MetaDataVersionOid);
        await AttributeAsync(w, "Name", header.Blinded ? "Blinded extract" : "Unblinded extract");
        await AttributeAsync(w, "Description", header.Blinded
            ? "Arms are masked codes, stable across the blinded extracts of this trial."
            : "Arms are the real arm codes of the trial.");

        await WriteProtocolAndEventsAsync(w, design);
        await WriteFormsAsync(w, design);
        await WriteItemGroupsAsync(w, design);
        await WriteItemDefsAsync(w, design, anyCluster);
        await WriteCodeListsAsync(w, design, clusters, anyCluster);

        await EndAsync(w);
        await EndAsync(w);
    }

    private static async Task WriteProtocolAndEventsAsync(XmlWriter w, OdmDesign design)
    {
        var timepoints = design.Header.Timepoints;
        await StartAsync(w, "Protocol");
        await RefAsync(w, "StudyEventRef", "StudyEventOID", OdmDesign.EnrolmentEventOid, 1, true);
        for (var i = 0; i < timepoints.Count; i++)
        {
            await RefAsync(w, "StudyEventRef", "StudyEventOID", design.EventOid(timepoints[i].Code), i + 2, false);
        }
        await EndAsync(w);

        await StartAsync(w, "StudyEventDef");
        await AttributeAsync(w, "OID", OdmDesign.EnrolmentEventOid);
        await AttributeAsync(w, "Name", "Enrolment");
        await AttributeAsync(w, "Repeating", "No");
        await AttributeAsync(w, "Type", "Common");
        await TranslatedAsync(w, "Description", "The participant as enrolled: cluster, site, arm, kind and follow-up status.");
        await RefAsync(w, "FormRef", "FormOID", OdmDesign.ParticipantFormOid, 1, true);
        await EndAsync(w);

        // The extract does not say which instruments a timepoint schedules, so each timepoint offers every form.
        foreach (var timepoint in timepoints)
        {
            await StartAsync(w, "StudyEventDef");
            await AttributeAsync(w, "OID", design.EventOid(timepoint.Code));
            await AttributeAsync(w, "Name", timepoint.Label);
            await AttributeAsync(w, "Repeating", "No");
            await AttributeAsync(w, "Type", "Scheduled");
            await TranslatedAsync(w, "Description", string.Create(CultureInfo.InvariantCulture,
                $"{timepoint.Code}: {timepoint.OffsetDays} days after baseline, window {timepoint.WindowDaysBefore} days before to {timepoint.WindowDaysAfter} days after."));
            for (var i = 0; i < design.Forms.Count; i++)
            {
                await RefAsync(w, "FormRef", "FormOID", design.Forms[i].Oid, i + 1, false);
            }
            await EndAsync(w);
        }
    }

    private static async Task WriteFormsAsync(XmlWriter w, OdmDesign design)
    {
        await StartAsync(w, "FormDef");
        await AttributeAsync(w, "OID", OdmDesign.ParticipantFormOid);
        await AttributeAsync(w, "Name", "Participant");
        await AttributeAsync(w, "Repeating", "No");
        await RefAsync(w, "ItemGroupRef", "ItemGroupOID", OdmDesign.ParticipantGroupOid, 1, true);
        await EndAsync(w);

        foreach (var form in design.Forms)
        {
            await StartAsync(w, "FormDef");
            await AttributeAsync(w, "OID", form.Oid);
            await AttributeAsync(w, "Name", form.Name);
            await AttributeAsync(w, "Repeating", "No");
            await TranslatedAsync(w, "Description", string.Create(CultureInfo.InvariantCulture,
                $"{form.Instrument.Code} version {form.Instrument.Version}: {form.Instrument.Definition.Title}"));
            await RefAsync(w, "ItemGroupRef", "ItemGroupOID", OdmDesign.AssessmentGroupOid, 1, true);
            var order = 2;
            if (form.Items.Count > 0)
            {
                await RefAsync(w, "ItemGroupRef", "ItemGroupOID", form.ItemsGroupOid, order++, false);
            }
            if (form.Scores.Count > 0)
            {
                await RefAsync(w, "ItemGroupRef", "ItemGroupOID", form.ScoresGroupOid, order, false);
            }
            await EndAsync(w);
        }
    }

    private static async Task WriteItemGroupsAsync(XmlWriter w, OdmDesign design)
    {
        await WriteItemGroupAsync(w, OdmDesign.ParticipantGroupOid, "Participant", [
            (OdmDesign.ClusterOid, true), (OdmDesign.SiteOid, true), (OdmDesign.ArmOid, false), (OdmDesign.KindOid, true),
            (OdmDesign.ConsentDateOid, true), (OdmDesign.BaselineDateOid, true), (OdmDesign.StatusOid, true), (OdmDesign.StatusDateOid, false),
        ]);
        await WriteItemGroupAsync(w, OdmDesign.AssessmentGroupOid, "Assessment", [
            (OdmDesign.AssessedOnOid, true), (OdmDesign.AssessmentStatusOid, true), (OdmDesign.OutOfWindowOid, true), (OdmDesign.DaysOutOfWindowOid, true),
        ]);
        foreach (var form in design.Forms)
        {
            if (form.Items.Count > 0)
            {
                await WriteItemGroupAsync(w, form.ItemsGroupOid, $"{form.Name}: answers", form.Items.Select(i => (i.Oid, false)).ToList());
            }
            if (form.Scores.Count > 0)
            {
                await WriteItemGroupAsync(w, form.ScoresGroupOid, $"{form.Name}: scale scores", form.Scores.Select(i => (i.Oid, false)).ToList());
            }
        }
    }

    private static async Task WriteItemGroupAsync(XmlWriter w, string oid, string name, IReadOnlyList<(string Oid, bool Mandatory)> items)
    {
        await StartAsync(w, "ItemGroupDef");
        await AttributeAsync(w, "OID", oid);
        await AttributeAsync(w, "Name", name);
        await AttributeAsync(w, "Repeating", "No");
        for (var i = 0; i < items.Count; i++)
        {
            await RefAsync(w, "ItemRef", "ItemOID", items[i].Oid, i + 1, items[i].Mandatory);
        }
        await EndAsync(w);
    }

    private static async Task WriteItemDefsAsync(XmlWriter w, OdmDesign design, bool anyCluster)
    {
        var armList = design.Header.Arms.Count > 0 ? OdmDesign.ArmCodeListOid : null;
        await WriteItemDefAsync(w, OdmDesign.ClusterOid, "cluster", "text", "Cluster code", anyCluster ? OdmDesign.ClusterCodeListOid : null);
        await WriteItemDefAsync(w, OdmDesign.SiteOid, "site", "text", "Site code");
        await WriteItemDefAsync(w, OdmDesign.ArmOid, "arm", "text",
            design.Header.Blinded ? "Arm, masked: the code does not reveal the allocation" : "Arm (real allocation)", armList);
        await WriteItemDefAsync(w, OdmDesign.KindOid, "kind", "text", "Kind of participant");
        await WriteItemDefAsync(w, OdmDesign.ConsentDateOid, "consent_date", "date", "Date of consent");
        await WriteItemDefAsync(w, OdmDesign.BaselineDateOid, "baseline_date", "date", "Baseline date (follow-up offsets count from it)");
        await WriteItemDefAsync(w, OdmDesign.StatusOid, "status", "text", "Participant status");
        await WriteItemDefAsync(w, OdmDesign.StatusDateOid, "status_date", "date", "Date the status took effect");

        await WriteItemDefAsync(w, OdmDesign.AssessedOnOid, "assessed_on", "date", "Date of the assessment");
        await WriteItemDefAsync(w, OdmDesign.AssessmentStatusOid, "assessment_status", "text", "Assessment status");
        await WriteItemDefAsync(w, OdmDesign.OutOfWindowOid, "out_of_window", "boolean", "Assessed outside the timepoint's window");
        await WriteItemDefAsync(w, OdmDesign.DaysOutOfWindowOid, "days_out_of_window", "integer", "Days outside the window (0 inside it)");

        var written = new HashSet<string>(StringComparer.Ordinal);
        foreach (var form in design.Forms)
        {
            var missing = form.Instrument.Definition.MissingCodes;
            foreach (var odmItem in form.Items.Where(i => written.Add(i.Oid)))
            {
                var item = odmItem.Item!;
                await StartAsync(w, "ItemDef");
                await AttributeAsync(w, "OID", odmItem.Oid);
                await AttributeAsync(w, "Name", $"{form.Instrument.Code}_{item.Code}");
                await AttributeAsync(w, "DataType", odmItem.DataType);
                await TranslatedAsync(w, "Description", item.Label + MissingNote(missing));
                // Soft checks: a missing-data code (e.g. −99) is a legitimate value outside the range.
                if (item.Type is "integer" or "decimal")
                {
                    await RangeCheckAsync(w, "GE", item.Min);
                    await RangeCheckAsync(w, "LE", item.Max);
                }
                if (odmItem.CodeListOid is not null)
                {
                    await StartAsync(w, "CodeListRef");
                    await AttributeAsync(w, "CodeListOID", odmItem.CodeListOid);
                    await EndAsync(w);
                }
                await EndAsync(w);
            }
            foreach (var score in form.Scores.Where(i => written.Add(i.Oid)))
            {
                var scale = score.Scale!;
                await WriteItemDefAsync(w, score.Oid, $"{form.Instrument.Code}_{scale.Code}", "float", string.Create(CultureInfo.InvariantCulture,
                    $"{scale.Label}: {scale.Method} of {string.Join(", ", scale.Items)}; at least {scale.MinAnswered} answered; scored by the server, absent when too few items are answered."));
            }
        }
    }

    private static async Task WriteItemDefAsync(XmlWriter w, string oid, string name, string dataType, string description, string? codeList = null)
    {
        await StartAsync(w, "ItemDef");
        await AttributeAsync(w, "OID", oid);
        await AttributeAsync(w, "Name", name);
        await AttributeAsync(w, "DataType", dataType);
        await TranslatedAsync(w, "Description", description);
        if (codeList is not null)
        {
            await StartAsync(w, "CodeListRef");
            await AttributeAsync(w, "CodeListOID", codeList);
            await EndAsync(w);
        }
        await EndAsync(w);
    }

    private static async Task RangeCheckAsync(XmlWriter w, string comparator, double? bound)
    {
        if (bound is not { } value)
        {
            return;
        }
        await StartAsync(w, "RangeCheck");
        await AttributeAsync(w, "Comparator", comparator);
        await AttributeAsync(w, "SoftHard", "Soft");
        await w.WriteElementStringAsync(null, "CheckValue", Namespace, Number(value));
        await EndAsync(w);
    }

    private static string MissingNote(IReadOnlyList<MissingCode> missing) => missing.Count == 0
        ? ""
        : " (missing-data codes: " + string.Join(", ", missing.Select(m => $"{Number(m.Value)} {m.Label}")) + ")";

    private static async Task WriteCodeListsAsync(XmlWriter w, OdmDesign design, IAsyncEnumerator<ExtractCluster> clusters, bool anyCluster)
    {
        var header = design.Header;
        if (header.Arms.Count > 0)
        {
            // A blinded header's arm labels are never written, whatever they hold: the masked code is all it may reveal.
            await WriteCodeListAsync(w, OdmDesign.ArmCodeListOid, header.Blinded ? "Masked arm" : "Arm", "text",
                header.Arms.Select(a => (a.Code, header.Blinded ? $"Masked arm {a.Code}" : a.Label)));
        }

        var written = new HashSet<string>(StringComparer.Ordinal);
        foreach (var form in design.Forms)
        {
            var missing = form.Instrument.Definition.MissingCodes;
            foreach (var item in form.Items.Where(i => i.CodeListOid is not null && written.Add(i.CodeListOid)))
            {
                var options = (item.Item!.Options ?? []).Select(o => (o.Value, o.Label))
                    .Concat(missing.Select(m => (Number(m.Value), $"{m.Label} (missing)")))
                    .DistinctBy(o => o.Item1, StringComparer.Ordinal)
                    .ToList();
                if (options.Count > 0)
                {
                    await WriteCodeListAsync(w, item.CodeListOid!, $"{form.Instrument.Code} {item.Code}", item.DataType, options);
                }
            }
        }

        if (anyCluster)
        {
            await StartAsync(w, "CodeList");
            await AttributeAsync(w, "OID", OdmDesign.ClusterCodeListOid);
            await AttributeAsync(w, "Name", "Cluster");
            await AttributeAsync(w, "DataType", "text");
            var order = 1;
            do
            {
                var cluster = clusters.Current;
                await CodeListItemAsync(w, cluster.Code, order++, $"Cluster {cluster.Code} at site {cluster.SiteCode}");
            }
            while (await clusters.MoveNextAsync());
            await EndAsync(w);
        }
    }

    private static async Task WriteCodeListAsync(XmlWriter w, string oid, string name, string dataType, IEnumerable<(string Value, string Label)> entries)
    {
        await StartAsync(w, "CodeList");
        await AttributeAsync(w, "OID", oid);
        await AttributeAsync(w, "Name", name);
        await AttributeAsync(w, "DataType", dataType);
        var order = 1;
        foreach (var (value, label) in entries)
        {
            await CodeListItemAsync(w, value, order++, label);
        }
        await EndAsync(w);
    }

    private static async Task CodeListItemAsync(XmlWriter w, string value, int order, string decode)
    {
        await StartAsync(w, "CodeListItem");
        await AttributeAsync(w, "CodedValue", value);
        await AttributeAsync(w, "OrderNumber", order.ToString(CultureInfo.InvariantCulture));
        await TranslatedAsync(w, "Decode", decode);
        await EndAsync(w);
    }
}
