//! Known template tokens, for dialect detection and "did you mean" hints.
//!
//! Sources. Autotask: the variable tables Autotask publishes per instance language
//! (`Variables_en.xlsx`, `Variables_de.xlsx`, `Variables_es.xlsx`), as copied by public
//! material; the instance language follows the Autotask zone (ww18 German, ww12 Spanish).
//! About 1,458 variables exist per language: this list is the ticket, contact and related
//! families a notification template uses, not all of them. ConnectWise Manage: tokens named in
//! ConnectWise's public documentation of e-mail templates, workflow rules and status
//! notifications; ConnectWise's set is open (`[a-z0-9-]+`, `[cf-<id>]` for custom fields).
//! DeskDirector: the Liquid objects of DeskDirector's notification templates.
//! Never add a name without a source.

/// One Autotask variable in each instance language, as written inside brackets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AutotaskVariable {
    /// A stable key, e.g. `ticket.id`.
    pub key: &'static str,
    pub en: &'static str,
    pub de: &'static str,
    pub es: &'static str,
}

const fn at(
    key: &'static str,
    en: &'static str,
    de: &'static str,
    es: &'static str,
) -> AutotaskVariable {
    AutotaskVariable { key, en, de, es }
}

pub const AUTOTASK: &[AutotaskVariable] = &[
    at("ticket.id", "Ticket: ID", "Ticket: ID", "Ticket: Id."),
    at(
        "ticket.number",
        "Ticket: Number",
        "Ticket: Nummer",
        "Ticket: Número",
    ),
    at(
        "ticket.numberWithLink",
        "Ticket: Number (with link)",
        "Ticket: Nummer (mit Link)",
        "Ticket: Número (con vínculo)",
    ),
    at(
        "ticket.title",
        "Ticket: Title",
        "Ticket: Titel",
        "Ticket: Título",
    ),
    at(
        "ticket.description",
        "Ticket: Description",
        "Ticket: Beschreibung",
        "Ticket: Descripción",
    ),
    at(
        "ticket.status",
        "Ticket: Status",
        "Ticket: Status",
        "Ticket: Estado",
    ),
    at(
        "ticket.priority",
        "Ticket: Priority",
        "Ticket: Priorität",
        "Ticket: Prioridad",
    ),
    at(
        "ticket.queue",
        "Ticket: Queue",
        "Ticket: Queue",
        "Ticket: Cola",
    ),
    at(
        "ticket.dueDate",
        "Ticket: Due Date",
        "Ticket: Fälligkeitsdatum",
        "Ticket: Fecha de vencimiento",
    ),
    at(
        "ticket.createDate",
        "Ticket: Create Date",
        "Ticket: Erstellungsdatum",
        "Ticket: Fecha de creación",
    ),
    at(
        "ticket.noteTitle",
        "Ticket: Note Title",
        "Ticket: Notiztitel",
        "Ticket: Título de la nota",
    ),
    at(
        "ticket.noteDescription",
        "Ticket: Note Description",
        "Ticket: Beschreibung der Notiz",
        "Ticket: Descripción de la nota",
    ),
    at(
        "timeEntry.summaryNotes",
        "Ticket Time Entry: Summary Notes",
        "Ticket-Zeiteintrag: Zusammenfassung der ausgeführten Arbeiten",
        "Entrada de tiempo del ticket: Notas de resumen",
    ),
    at(
        "timeEntry.hoursWorked",
        "Ticket Time Entry: Hours Worked",
        "Ticket-Zeiteintrag: Geleistete Arbeitsstunden",
        "Entrada de tiempo del ticket: Horas trabajadas",
    ),
    at(
        "timeEntry.startDateTime",
        "Ticket Time Entry: Start Date/Time",
        "Ticket-Zeiteintrag: Startdatum/-zeit",
        "Entrada de tiempo del ticket: Fecha/hora de inicio",
    ),
    at(
        "misc.initiatingResourceName",
        "Miscellaneous: Initiating Resource Name",
        "Diverses: Initiator - Name",
        "Varios: Nombre del recurso que inició",
    ),
    at(
        "misc.initiatingResourceTitle",
        "Miscellaneous: Initiating Resource Title",
        "Diverses: Initiator - Titel",
        "Varios: Cargo del recurso que inició",
    ),
    at(
        "misc.initiatingResourceEmail",
        "Miscellaneous: Initiating Resource Email",
        "Diverses: Initiator - E-Mail",
        "Varios: Correo electrónico del recurso que inició",
    ),
    at(
        "misc.initiatingResourceOfficePhone",
        "Miscellaneous: Initiating Resource Office Phone",
        "Diverses: Initiator - dienstliche Telefonnr.",
        "Varios: Teléfono del trabajo del recurso que inició",
    ),
    at(
        "misc.yourCompanyName",
        "Miscellaneous: Your Company Name",
        "Diverses: Ihr Firmenname",
        "Varios: Nombre de su empresa",
    ),
    at(
        "misc.currentDate",
        "Miscellaneous: Current Date",
        "Diverses: Aktuelles Datum",
        "Varios: Fecha actual",
    ),
    at(
        "misc.primaryLogo",
        "Miscellaneous: Primary Logo (Requires HTML)",
        "Diverses: Hauptlogo (HTML erforderlich)",
        "Varios: Logotipo principal (Requiere HTML)",
    ),
    at(
        "resource.firstName",
        "Resource: First Name",
        "Mitarbeiter: Vorname",
        "Recurso: Nombre de pila",
    ),
    at(
        "resource.lastName",
        "Resource: Last Name",
        "Mitarbeiter: Nachname",
        "Recurso: Apellido",
    ),
    at(
        "resource.title",
        "Resource: Title",
        "Mitarbeiter: Titel",
        "Recurso: Título",
    ),
    at(
        "resource.emailAddress",
        "Resource: Email Address",
        "Mitarbeiter: E-Mail-Adresse",
        "Recurso: Dirección de correo electrónico",
    ),
    at(
        "resource.officePhone",
        "Resource: Office Phone",
        "Mitarbeiter: Dienstliche Telefonnr.",
        "Recurso: Teléfono del trabajo",
    ),
    at(
        "contact.firstName",
        "Contact: First Name",
        "Kontakt: Vorname",
        "Contacto: Nombre de pila",
    ),
    at(
        "contact.lastName",
        "Contact: Last Name",
        "Kontakt: Nachname",
        "Contacto: Apellido",
    ),
    at(
        "contact.emailAddress",
        "Contact: Email Address",
        "Kontakt: E-Mail-Adresse",
        "Contacto: Dirección de correo electrónico",
    ),
    at(
        "contact.phone",
        "Contact: Phone",
        "Kontakt: Telefon",
        "Contacto: Teléfono",
    ),
    at("contact.id", "Contact: ID", "Kontakt: ID", "Contacto: Id."),
    at(
        "organization.name",
        "Organization: Name",
        "Firma: Name",
        "Empresa: Nombre",
    ),
    at(
        "organization.phone",
        "Organization: Phone",
        "Firma: Telefon",
        "Empresa: Teléfono",
    ),
    at(
        "organization.web",
        "Organization: Web",
        "Firma: Web",
        "Empresa: Web",
    ),
    at(
        "organization.address1",
        "Organization: Address 1",
        "Firma: Adresse 1",
        "Empresa: Dirección 1",
    ),
    at(
        "organization.city",
        "Organization: City",
        "Firma: Ort",
        "Empresa: Ciudad",
    ),
    at(
        "organization.zipCode",
        "Organization: Zip Code",
        "Firma: Postleitzahl",
        "Empresa: Código postal",
    ),
    at(
        "yourCompany.name",
        "Your Company: Name",
        "Ihre Firma: Name",
        "Su empresa: Nombre",
    ),
    at(
        "yourCompany.address",
        "Your Company: Address",
        "Ihre Firma: Adresse",
        "Su empresa: Dirección",
    ),
    at(
        "yourCompany.phone",
        "Your Company: Phone",
        "Ihre Firma: Telefon",
        "Su empresa: Teléfono",
    ),
    at(
        "attachment.nameWithLink",
        "Attachment: Attachment Name (with link)",
        "Anhang: Name des Anhangs (mit Link)",
        "Archivo adjunto: Nombre del archivo adjunto (con vínculo)",
    ),
    at(
        "attachment.fileWithLink",
        "Attachment: Attachment File/Folder/URL (with link)",
        "Anhang: Datei/Ordner/URL für Anhang (mit Link)",
        "Archivo adjunto: Archivo/Carpeta/URL adjuntos (con vínculo)",
    ),
    at(
        "contract.name",
        "Contract: Contract Name",
        "Vertrag: Vertragsname",
        "Contrato: Nombre del contrato",
    ),
    at(
        "contract.id",
        "Contract: Contract ID",
        "Vertrag: Vertrags-ID",
        "Contrato: Id. de contrato",
    ),
    at(
        "contract.startDate",
        "Contract: Start Date",
        "Vertrag: Startdatum",
        "Contrato: Fecha de inicio",
    ),
    at(
        "contract.endDate",
        "Contract: End Date",
        "Vertrag: Enddatum",
        "Contrato: Fecha de finalización",
    ),
    at(
        "device.referenceName",
        "Device: Reference Name",
        "Gerät: Referenzname",
        "Elemento de configuración: Nombre de referencia",
    ),
    at(
        "device.serialNumber",
        "Device: Serial Number",
        "Gerät: Seriennummer",
        "Elemento de configuración: Número de serie",
    ),
    at(
        "device.product",
        "Device: Product",
        "Gerät: Artikel",
        "Elemento de configuración: Producto",
    ),
    at(
        "device.deviceType",
        "Device: Device Type",
        "Gerät: Gerätetyp",
        "Elemento de configuración: Tipo de dispositivo",
    ),
];

/// ConnectWise Manage tokens, brackets included. `[cf-id]` stands for `[cf-<number>]`.
pub const CONNECTWISE: &[&str] = &[
    "[srnumber]",
    "[contactrecordid]",
    "[contactfirstname]",
    "[memberid]",
    "[memberfirstname]",
    "[actualhours]",
    "[budgethours]",
    "[agrbalance]",
    "[agrenddate]",
    "[agrname]",
    "[agrstartdate]",
    "[agrtype]",
    "[billingfirstname]",
    "[billinglastname]",
    "[campaignrecordid]",
    "[cf-id]",
];

/// The root objects of DeskDirector's Liquid notification templates (`{{ Ticket.Id }}`,
/// `{{ Contact.Email }}`, `{{ Token }}`).
pub const DESKDIRECTOR_OBJECTS: &[&str] = &["Ticket", "Contact", "Company", "Token"];
