/// `/login`: user name and password against the users file; the form carries the CSRF
/// token like every other form, so a login cannot be forced from another site either.
enum LoginPage {
    static func render(visit: Visit, next: String, message: String? = nil) -> String {
        var body = "<h1>Sign in</h1>"
        if let message { body += "<p class=\"error\">\(HTML.escape(message))</p>" }
        body += "<form method=\"post\" action=\"/login\" class=\"login\">"
            + "<input type=\"hidden\" name=\"csrf\" value=\"\(HTML.escape(visit.csrfToken))\">"
            + "<input type=\"hidden\" name=\"next\" value=\"\(HTML.escape(next))\">"
            + "<label>user <input type=\"text\" name=\"user\" autocomplete=\"username\" autofocus></label>"
            + "<label>password <input type=\"password\" name=\"password\" autocomplete=\"current-password\"></label>"
            + "<button type=\"submit\">Sign in</button></form>"
            + "<p class=\"hint\">Users are added on the server with <code>inspectctl web adduser NAME</code>.</p>"
        return HTML.page(title: "Sign in", user: visit.user, csrf: visit.csrfToken, active: "", body: body)
    }
}
